//! E-mail over SMTP with `lettre`: STARTTLS required on the submission port (or TLS from the first
//! byte on 465), authenticated, through a small pool of reused connections. Sign-in codes and
//! marketing e-mail go through it; marketing mail carries a one-click unsubscribe (RFC 8058:
//! `List-Unsubscribe` with `List-Unsubscribe-Post`), as the large mailbox providers require.
use std::time::Duration;

use async_trait::async_trait;
use lettre::{
    message::{header, Mailbox, MultiPart, SinglePart},
    transport::smtp::{
        authentication::{Credentials, Mechanism},
        client::{Certificate, Tls, TlsParameters},
        PoolConfig,
    },
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use super::{rate::Pace, SendFailure};
use crate::config::Config;

/// One e-mail to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// For marketing mail: the one-click unsubscribe address.
    pub unsubscribe: Option<String>,
    /// Ours, for the `Message-ID` (so a resend is recognisably the same message).
    pub id: String,
}

/// An e-mail service.
#[async_trait]
pub trait EmailGateway: Send + Sync + 'static {
    /// Sends one e-mail; the server's queue id for it, as it answered.
    async fn send(&self, mail: &Mail) -> Result<String, SendFailure>;
}

pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    pace: Pace,
}

impl Smtp {
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Self>> {
        let host = config.smtp_host.trim();
        if host.is_empty() {
            return Ok(None);
        }
        let from: Mailbox = config
            .smtp_from
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("PORTAL_SMTP_FROM is a sender such as 品牌 <no-reply@brand.example>"))?;
        let mut tls = TlsParameters::builder(host.to_owned());
        if !config.smtp_ca.0.is_empty() {
            let ca = Certificate::from_pem(config.smtp_ca.0.replace("\\n", "\n").as_bytes())
                .map_err(|e| anyhow::anyhow!("PORTAL_SMTP_CA is not a PEM certificate: {e}"))?;
            tls = tls.add_root_certificate(ca);
        }
        let tls = tls.build_rustls().map_err(|e| anyhow::anyhow!("SMTP TLS settings: {e}"))?;
        let tls = match config.smtp_tls.trim() {
            "" | "starttls" => Tls::Required(tls),
            "tls" => Tls::Wrapper(tls),
            other => anyhow::bail!("PORTAL_SMTP_TLS is starttls or tls, not {other:?}"),
        };
        let port = if config.smtp_port == 0 {
            if matches!(tls, Tls::Wrapper(_)) {
                465
            } else {
                587
            }
        } else {
            config.smtp_port
        };
        let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(10)))
            .pool_config(PoolConfig::new().max_size(4).idle_timeout(Duration::from_secs(60)));
        if !config.smtp_username.trim().is_empty() {
            transport = transport
                .credentials(Credentials::new(config.smtp_username.trim().to_owned(), config.smtp_password.0.clone()))
                .authentication(vec![Mechanism::Plain, Mechanism::Login]);
        }
        Ok(Some(Self { transport: transport.build(), from, pace: Pace::per_second(config.smtp_max_per_sec.max(1)) }))
    }

    /// The message as it goes on the wire.
    pub fn message(&self, mail: &Mail) -> Result<Message, SendFailure> {
        // Errors name no address: they are kept with the message.
        let to: Mailbox = mail.to.parse().map_err(|_| SendFailure::BadRecipient("not an e-mail address".into()))?;
        let domain = self.from.email.domain().to_owned();
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{}@{domain}>", mail.id)));
        if let Some(link) = &mail.unsubscribe {
            builder = builder
                .header(ListUnsubscribe(format!("<{link}>")))
                .header(ListUnsubscribePost("List-Unsubscribe=One-Click".into()));
        }
        builder
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::builder().header(header::ContentType::TEXT_PLAIN).body(mail.text.clone())),
            )
            .map_err(|e| SendFailure::Refused(format!("the message could not be built: {e}")))
    }
}

macro_rules! text_header {
    ($name:ident, $wire:literal) => {
        #[derive(Clone)]
        struct $name(String);
        impl header::Header for $name {
            fn name() -> header::HeaderName {
                header::HeaderName::new_from_ascii_str($wire)
            }
            fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok(Self(s.to_owned()))
            }
            fn display(&self) -> header::HeaderValue {
                header::HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}
text_header!(ListUnsubscribe, "List-Unsubscribe");
text_header!(ListUnsubscribePost, "List-Unsubscribe-Post");

#[async_trait]
impl EmailGateway for Smtp {
    async fn send(&self, mail: &Mail) -> Result<String, SendFailure> {
        if !self.pace.wait().await {
            return Err(SendFailure::Throttled("more e-mail than this instance's rate allows".into()));
        }
        let message = self.message(mail)?;
        match self.transport.send(message).await {
            Ok(answer) => Ok(answer.message().collect::<Vec<_>>().join(" ")),
            // The server's words usually quote the address: only its reply code is kept.
            Err(e) if e.is_permanent() => {
                // 5xx: the address does not exist, or the server refuses this message for good.
                let code = e.status().map(|c| c.to_string()).unwrap_or_default();
                if matches!(code.as_str(), "550" | "551" | "553") {
                    Err(SendFailure::BadRecipient(format!("SMTP {code}: no such mailbox")))
                } else {
                    Err(SendFailure::Refused(format!("SMTP {code}: refused")))
                }
            }
            // 4xx, a dropped connection, a timeout: try again later.
            Err(e) => {
                let code = e.status().map(|c| c.to_string());
                Err(SendFailure::Unavailable(
                    code.map_or("SMTP server unreachable".into(), |c| format!("SMTP {c}: later")),
                ))
            }
        }
    }
}
