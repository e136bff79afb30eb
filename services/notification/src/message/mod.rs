//! The messages the shop sends and their templates: minijinja files embedded in the binary
//! (`services/notification/templates/<locale>/<template>.{txt,html,short}.j2`), rendered in the
//! shopper's language with English as the fallback. A text template's first line is its
//! subject (`Subject: …`); HTML is escaped, text is not; a variable the code does not give is
//! an error, never an empty gap (docs/notifications.md).
pub mod preview;
pub mod sample;

use std::fmt;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde_json::{Value, json};

/// A message the shop sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Template {
    Welcome,
    VerifyEmail,
    PasswordReset,
    OrderConfirmation,
    OrderShipped,
    OrderDelivered,
    OrderCancelled,
    OrderRefunded,
    PaymentFailed,
    AbandonedCart,
    LowStock,
}

impl Template {
    pub const ALL: [Template; 11] = [
        Template::Welcome,
        Template::VerifyEmail,
        Template::PasswordReset,
        Template::OrderConfirmation,
        Template::OrderShipped,
        Template::OrderDelivered,
        Template::OrderCancelled,
        Template::OrderRefunded,
        Template::PaymentFailed,
        Template::AbandonedCart,
        Template::LowStock,
    ];

    /// Its name in files, the delivery log and events.
    pub fn name(self) -> &'static str {
        match self {
            Template::Welcome => "welcome",
            Template::VerifyEmail => "verify_email",
            Template::PasswordReset => "password_reset",
            Template::OrderConfirmation => "order_confirmation",
            Template::OrderShipped => "order_shipped",
            Template::OrderDelivered => "order_delivered",
            Template::OrderCancelled => "order_cancelled",
            Template::OrderRefunded => "order_refunded",
            Template::PaymentFailed => "payment_failed",
            Template::AbandonedCart => "abandoned_cart",
            Template::LowStock => "low_stock",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Whether it has a short form (an SMS and an in-app notification).
    pub fn has_short_form(self) -> bool {
        matches!(
            self,
            Template::OrderConfirmation
                | Template::OrderShipped
                | Template::OrderDelivered
                | Template::OrderCancelled
                | Template::OrderRefunded
                | Template::PaymentFailed
        )
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The locale every template exists in.
pub const FALLBACK_LOCALE: &str = "en";

macro_rules! embedded {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../templates/", $path)))),*]
    };
}

/// Every template file, by its path under `templates/`.
static FILES: &[(&str, &str)] = embedded![
    "layout.html.j2",
    "en/welcome.txt.j2",
    "en/welcome.html.j2",
    "en/verify_email.txt.j2",
    "en/verify_email.html.j2",
    "en/password_reset.txt.j2",
    "en/password_reset.html.j2",
    "en/order_confirmation.txt.j2",
    "en/order_confirmation.html.j2",
    "en/order_confirmation.short.j2",
    "en/order_shipped.txt.j2",
    "en/order_shipped.html.j2",
    "en/order_shipped.short.j2",
    "en/order_delivered.txt.j2",
    "en/order_delivered.html.j2",
    "en/order_delivered.short.j2",
    "en/order_cancelled.txt.j2",
    "en/order_cancelled.html.j2",
    "en/order_cancelled.short.j2",
    "en/order_refunded.txt.j2",
    "en/order_refunded.html.j2",
    "en/order_refunded.short.j2",
    "en/payment_failed.txt.j2",
    "en/payment_failed.html.j2",
    "en/payment_failed.short.j2",
    "en/abandoned_cart.txt.j2",
    "en/abandoned_cart.html.j2",
    "en/low_stock.txt.j2",
    "en/low_stock.html.j2",
    "de/welcome.txt.j2",
    "de/welcome.html.j2",
    "de/verify_email.txt.j2",
    "de/verify_email.html.j2",
    "de/password_reset.txt.j2",
    "de/password_reset.html.j2",
    "de/order_shipped.txt.j2",
    "de/order_shipped.html.j2",
    "de/order_shipped.short.j2",
];

/// A message rendered in one locale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub locale: String,
    /// One line: no line break a header could be split at.
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The SMS and in-app body, for the templates that have one.
    pub short: Option<String>,
}

/// A template that could not be rendered: a variable it names was not given, or a file is
/// malformed. The message is not sent; the delivery records why.
#[derive(Debug, thiserror::Error)]
#[error("template {template} ({locale}) could not be rendered: {reason}")]
pub struct RenderError {
    pub template: Template,
    pub locale: String,
    pub reason: String,
}

/// The shop's templates, ready to render.
pub struct Templates {
    env: Environment<'static>,
    shop: Value,
}

impl Templates {
    /// Templates whose messages name the shop `shop_name` and link to `public_url`.
    pub fn new(shop_name: &str, public_url: &str) -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html.j2") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        for (path, source) in FILES {
            env.add_template(path, source)
                .unwrap_or_else(|e| panic!("embedded template {path} does not parse: {e}"));
        }
        Self {
            env,
            shop: json!({"name": shop_name, "url": public_url.trim_end_matches('/')}),
        }
    }

    /// The locale `language` (a BCP 47 tag such as `de-AT`) gets for `template`: the tag, its
    /// language, else English.
    pub fn locale_for(&self, template: Template, language: &str) -> String {
        let tag = language.trim().to_ascii_lowercase();
        let primary = tag.split(['-', '_']).next().unwrap_or_default().to_string();
        [tag, primary]
            .into_iter()
            .find(|l| !l.is_empty() && self.has(l, template, "txt"))
            .unwrap_or_else(|| FALLBACK_LOCALE.to_string())
    }

    fn has(&self, locale: &str, template: Template, part: &str) -> bool {
        self.env.get_template(&path(locale, template, part)).is_ok()
    }

    /// `template` in the locale for `language`, with `context` (plus `shop` and `locale`).
    pub fn render(
        &self,
        template: Template,
        language: &str,
        context: &Value,
    ) -> Result<Rendered, RenderError> {
        let locale = self.locale_for(template, language);
        let failed = |reason: String| RenderError {
            template,
            locale: locale.clone(),
            reason,
        };
        let mut full = one_line(context.clone());
        let Some(fields) = full.as_object_mut() else {
            return Err(failed("the context is not an object".into()));
        };
        fields.insert("shop".into(), self.shop.clone());
        fields.insert("locale".into(), Value::from(locale.as_str()));
        let part = |name: &str| -> Result<String, RenderError> {
            let file = path(&locale, template, name);
            let found = self
                .env
                .get_template(&file)
                .map_err(|e| failed(e.to_string()))?;
            found.render(&full).map_err(|e| failed(format!("{e:#}")))
        };
        let (subject, text) = split_subject(&part("txt")?).ok_or_else(|| {
            failed("the text template does not start with a `Subject:` line".into())
        })?;
        let short = if template.has_short_form() {
            Some(part("short")?.trim().to_string())
        } else {
            None
        };
        Ok(Rendered {
            html: part("html")?,
            locale: locale.clone(),
            subject,
            text,
            short,
        })
    }
}

fn path(locale: &str, template: Template, part: &str) -> String {
    format!("{locale}/{}.{part}.j2", template.name())
}

/// `value` with every control character (a line break above all) in its strings made a space:
/// no name, address or reason can end a subject line early or start a header of its own.
fn one_line(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(
            s.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(one_line).collect()),
        Value::Object(fields) => {
            Value::Object(fields.into_iter().map(|(k, v)| (k, one_line(v))).collect())
        }
        other => other,
    }
}

/// The subject (the first line, `Subject: …`) and the body after the blank line that follows.
fn split_subject(text: &str) -> Option<(String, String)> {
    let (first, body) = text.split_once('\n')?;
    let subject = first.strip_prefix("Subject:")?.trim().to_string();
    Some((subject, body.trim_start_matches('\n').to_string()))
}

#[cfg(test)]
mod tests;
