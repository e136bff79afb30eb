//! `vici notify preview`: one template rendered from its sample to files a person opens — the
//! HTML in a browser, the text and short forms in an editor — to see what a shopper would get.
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::{Template, Templates, sample};

/// The shop's name in its messages (a setting once a shop needs another).
pub const SHOP_NAME: &str = "vici";

/// Renders `template` (by name) in the locale for `language` into `out`; the files written.
pub fn preview(
    template: &str,
    language: &str,
    public_url: &str,
    out: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    let Some(template) = Template::parse(template) else {
        let known: Vec<&str> = Template::ALL.iter().map(|t| t.name()).collect();
        anyhow::bail!(
            "no template `{template}`; the templates are {}",
            known.join(", ")
        );
    };
    let templates = Templates::new(SHOP_NAME, public_url);
    let rendered = templates.render(template, language, &sample::context(template, public_url))?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let stem = format!("{template}.{}", rendered.locale);
    let mut files = vec![
        (
            format!("{stem}.txt"),
            format!("Subject: {}\n\n{}", rendered.subject, rendered.text),
        ),
        (format!("{stem}.html"), rendered.html),
    ];
    if let Some(short) = rendered.short {
        files.push((format!("{stem}.short.txt"), short + "\n"));
    }
    let mut written = Vec::new();
    for (name, body) in files {
        let path = out.join(name);
        std::fs::write(&path, body).with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_writes_each_form_in_the_locale_it_fell_back_to() {
        let out = std::env::temp_dir().join(format!("vici-preview-{}", uuid::Uuid::new_v4()));
        let files = preview("order_shipped", "de-DE", "http://shop.test", &out).unwrap();
        let names: Vec<String> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "order_shipped.de.txt",
                "order_shipped.de.html",
                "order_shipped.de.short.txt"
            ]
        );
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(text.starts_with("Subject: Bestellung"), "{text}");
        assert!(
            text.contains("http://shop.test/orders/"),
            "links from the public URL: {text}"
        );
        let files = preview("welcome", "fr", "http://shop.test", &out).unwrap();
        assert!(files[0].ends_with("welcome.en.txt"), "{files:?}");
        let err = preview("welcom", "en", "http://shop.test", &out).unwrap_err();
        assert!(
            err.to_string()
                .contains("the templates are welcome, verify_email"),
            "{err}"
        );
        std::fs::remove_dir_all(out).unwrap();
    }
}
