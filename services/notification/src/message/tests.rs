use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::*;

const BASE: &str = "http://localhost:3000";

fn templates() -> Templates {
    Templates::new(preview::SHOP_NAME, BASE)
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The locales with at least one template, from the embedded files.
fn locales() -> BTreeSet<&'static str> {
    FILES
        .iter()
        .filter_map(|(path, _)| path.split_once('/').map(|(locale, _)| locale))
        .collect()
}

fn golden_text(r: &Rendered) -> String {
    let short = r.short.as_deref().unwrap_or("(none)");
    format!(
        "Subject: {}\n\n=== text ===\n{}\n=== html ===\n{}\n=== short ===\n{short}\n",
        r.subject, r.text, r.html
    )
}

/// Each template in each locale that has it, rendered from its sample, equals its golden file
/// (`VICI_UPDATE_GOLDEN=1` writes them; review the diff).
#[test]
fn every_template_matches_its_golden_file_in_every_locale() {
    let t = templates();
    let update = std::env::var_os("VICI_UPDATE_GOLDEN").is_some();
    let mut checked = 0;
    for locale in locales() {
        for template in Template::ALL {
            if t.locale_for(template, locale) != locale {
                continue;
            }
            let rendered = t
                .render(template, locale, &sample::context(template, BASE))
                .unwrap_or_else(|e| panic!("{e}"));
            let file = manifest_dir()
                .join("tests/golden")
                .join(locale)
                .join(format!("{template}.txt"));
            let text = golden_text(&rendered);
            if update {
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(&file, &text).unwrap();
            }
            let golden = std::fs::read_to_string(&file).unwrap_or_else(|e| {
                panic!("{}: {e} (VICI_UPDATE_GOLDEN=1 writes it)", file.display())
            });
            assert_eq!(
                text,
                golden,
                "{} differs from its golden file",
                file.display()
            );
            checked += 1;
        }
    }
    assert_eq!(
        checked,
        11 + 4,
        "every English template and the four German ones"
    );
}

#[test]
fn a_variable_the_sender_does_not_give_fails_the_render() {
    let mut context = sample::context(Template::OrderShipped, BASE);
    context.as_object_mut().unwrap().remove("carrier");
    let err = templates()
        .render(Template::OrderShipped, "en", &context)
        .unwrap_err();
    assert_eq!(
        (err.template, err.locale.as_str()),
        (Template::OrderShipped, "en")
    );
    assert!(err.reason.contains("undefined"), "{err}");
}

#[test]
fn a_language_falls_back_to_its_primary_tag_then_english() {
    let t = templates();
    assert_eq!(t.locale_for(Template::Welcome, "de-AT"), "de");
    assert_eq!(t.locale_for(Template::Welcome, "DE"), "de");
    assert_eq!(t.locale_for(Template::OrderConfirmation, "de"), "en");
    assert_eq!(t.locale_for(Template::Welcome, "fr-FR"), "en");
    assert_eq!(t.locale_for(Template::Welcome, ""), "en");
    let german = t
        .render(
            Template::OrderShipped,
            "de-CH",
            &sample::context(Template::OrderShipped, BASE),
        )
        .unwrap();
    assert_eq!(
        german.subject,
        "Bestellung VICI-20261206-0042 ist unterwegs"
    );
    assert!(
        german
            .html
            .starts_with("<!DOCTYPE html>\n<html lang=\"de\">"),
        "{}",
        german.html
    );
}

#[test]
fn html_is_escaped_and_text_is_not() {
    let r = templates()
        .render(
            Template::OrderConfirmation,
            "en",
            &sample::context(Template::OrderConfirmation, BASE),
        )
        .unwrap();
    assert!(
        r.html.contains("Levi&#x27;s 501 Original &lt;Jeans&gt;"),
        "{}",
        r.html
    );
    assert!(
        r.text.contains("1 × Levi's 501 Original <Jeans> — $69.50"),
        "{}",
        r.text
    );
}

#[test]
fn a_line_break_in_a_name_cannot_add_a_header_or_end_the_subject() {
    let context = json!({"name": "Eve\r\nBcc: all@example.com"});
    let r = templates()
        .render(Template::Welcome, "en", &context)
        .unwrap();
    assert_eq!(r.subject, "Welcome to vici, Eve  Bcc: all@example.com");
    assert!(
        !r.text.contains("\nBcc:") && !r.html.contains("\nBcc:"),
        "{}",
        r.text
    );
}

/// A file added under `templates/` but not embedded would never be used.
#[test]
fn every_template_file_is_embedded() {
    let root = manifest_dir().join("templates");
    let mut on_disk = BTreeSet::new();
    collect(&root, &root, &mut on_disk);
    let embedded: BTreeSet<String> = FILES.iter().map(|(p, _)| p.to_string()).collect();
    assert_eq!(on_disk, embedded);
}

fn collect(root: &Path, dir: &Path, into: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, into);
        } else {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .to_string();
            into.insert(relative);
        }
    }
}
