//! A local stand-in for a mail submission server (RFC 6409 on port 587 style), written apart from
//! the server's SMTP client: it greets, answers EHLO offering STARTTLS, refuses anything but
//! STARTTLS, EHLO and QUIT before TLS (as a real submission server does), upgrades with a
//! certificate made for the run, then requires AUTH PLAIN or LOGIN with the configured account,
//! takes MAIL FROM (the configured sender only), RCPT TO (550 for an address that does not
//! exist) and DATA, and keeps each message: its headers unfolded and its text decoded (RFC 2047
//! words, quoted-printable or base64 bodies).
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio_rustls::rustls;

/// One message the stand-in took.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// Header names in lower case, values unfolded and decoded.
    pub headers: HashMap<String, String>,
    /// The text part, decoded.
    pub text: String,
}

#[derive(Default)]
struct Seen {
    received: Vec<Received>,
    refusals: Vec<String>,
    connections: usize,
}

#[derive(Clone)]
pub struct SmtpStandIn {
    pub addr: SocketAddr,
    /// The certificate's PEM, for the server to trust.
    pub ca_pem: String,
    seen: Arc<Mutex<Seen>>,
}

pub const USER: &str = "portal@brand.example";
pub const PASSWORD: &str = "smtp-pass-2026";
pub const SENDER: &str = "no-reply@brand.example";

impl SmtpStandIn {
    /// Listens on loopback; `missing` are addresses that do not exist.
    pub async fn start(missing: Vec<String>) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let ca_pem = made.cert.pem();
        let key = rustls::pki_types::PrivateKeyDer::try_from(made.key_pair.serialize_der()).unwrap();
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![made.cert.der().clone()], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let standin = Self { addr, ca_pem, seen: Arc::new(Mutex::new(Seen::default())) };
        let seen = standin.seen.clone();
        let missing = Arc::new(missing);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                seen.lock().unwrap().connections += 1;
                let (seen, acceptor, missing) = (seen.clone(), acceptor.clone(), missing.clone());
                tokio::spawn(async move {
                    let _ = session(stream, acceptor, seen, missing).await;
                });
            }
        });
        standin
    }

    pub fn received(&self) -> Vec<Received> {
        self.seen.lock().unwrap().received.clone()
    }

    pub fn refusals(&self) -> Vec<String> {
        self.seen.lock().unwrap().refusals.clone()
    }

    pub fn connections(&self) -> usize {
        self.seen.lock().unwrap().connections
    }
}

async fn reply<W: AsyncWrite + Unpin>(w: &mut W, text: &str) -> std::io::Result<()> {
    w.write_all(text.as_bytes()).await?;
    w.write_all(b"\r\n").await?;
    w.flush().await
}

async fn session(
    stream: tokio::net::TcpStream,
    acceptor: tokio_rustls::TlsAcceptor,
    seen: Arc<Mutex<Seen>>,
    missing: Arc<Vec<String>>,
) -> std::io::Result<()> {
    let mut plain = BufReader::new(stream);
    reply(&mut plain, "220 localhost ESMTP stand-in").await?;
    loop {
        let mut line = String::new();
        if plain.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let verb = line.trim_end().to_ascii_uppercase();
        if verb.starts_with("EHLO") {
            reply(&mut plain, "250-localhost\r\n250-STARTTLS\r\n250-8BITMIME\r\n250 SIZE 10485760").await?;
        } else if verb == "STARTTLS" {
            reply(&mut plain, "220 2.0.0 Ready to start TLS").await?;
            let tls = acceptor.accept(plain.into_inner()).await?;
            return secured(BufReader::new(tls), seen, missing).await;
        } else if verb == "QUIT" {
            return reply(&mut plain, "221 2.0.0 Bye").await;
        } else {
            seen.lock().unwrap().refusals.push(format!("before TLS: {verb}"));
            reply(&mut plain, "530 5.7.0 Must issue a STARTTLS command first").await?;
        }
    }
}

fn b64(text: &str) -> String {
    String::from_utf8_lossy(&base64::engine::general_purpose::STANDARD.decode(text.trim()).unwrap_or_default())
        .into_owned()
}

async fn secured<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: BufReader<S>,
    seen: Arc<Mutex<Seen>>,
    missing: Arc<Vec<String>>,
) -> std::io::Result<()> {
    let (mut authed, mut from, mut to) = (false, None::<String>, Vec::<String>::new());
    let refuse = |why: String| seen.lock().unwrap().refusals.push(why);
    loop {
        let mut line = String::new();
        if s.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let line = line.trim_end().to_owned();
        let verb = line.to_ascii_uppercase();
        if verb.starts_with("EHLO") {
            reply(&mut s, "250-localhost\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 SIZE 10485760").await?;
        } else if verb.starts_with("AUTH PLAIN") {
            let given = b64(line.get(11..).unwrap_or(""));
            let ok = given == format!("\0{USER}\0{PASSWORD}");
            authed = ok;
            reply(&mut s, if ok { "235 2.7.0 Authentication successful" } else { "535 5.7.8 Authentication failed" })
                .await?;
            if !ok {
                refuse("AUTH PLAIN".into());
            }
        } else if verb == "AUTH LOGIN" {
            reply(&mut s, "334 VXNlcm5hbWU6").await?;
            let mut user = String::new();
            s.read_line(&mut user).await?;
            reply(&mut s, "334 UGFzc3dvcmQ6").await?;
            let mut pass = String::new();
            s.read_line(&mut pass).await?;
            authed = b64(&user) == USER && b64(&pass) == PASSWORD;
            reply(
                &mut s,
                if authed { "235 2.7.0 Authentication successful" } else { "535 5.7.8 Authentication failed" },
            )
            .await?;
        } else if verb.starts_with("MAIL FROM:") {
            let address = line[10..].trim().trim_start_matches('<').split('>').next().unwrap_or("").to_owned();
            if !authed {
                refuse("MAIL before AUTH".into());
                reply(&mut s, "530 5.7.0 Authentication required").await?;
            } else if address != SENDER {
                refuse(format!("sender {address}"));
                reply(&mut s, "553 5.7.1 Sender address rejected: not owned by user").await?;
            } else {
                (from, to) = (Some(address), vec![]);
                reply(&mut s, "250 2.1.0 Ok").await?;
            }
        } else if verb.starts_with("RCPT TO:") {
            let address = line[8..].trim().trim_start_matches('<').split('>').next().unwrap_or("").to_owned();
            if from.is_none() {
                reply(&mut s, "503 5.5.1 Need MAIL command").await?;
            } else if missing.contains(&address) {
                reply(&mut s, "550 5.1.1 Recipient address rejected: User unknown").await?;
            } else {
                to.push(address);
                reply(&mut s, "250 2.1.5 Ok").await?;
            }
        } else if verb == "DATA" {
            if to.is_empty() {
                reply(&mut s, "503 5.5.1 Need RCPT command").await?;
                continue;
            }
            reply(&mut s, "354 End data with <CR><LF>.<CR><LF>").await?;
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if s.read_line(&mut l).await? == 0 {
                    return Ok(());
                }
                if l == ".\r\n" {
                    break;
                }
                data.push_str(l.strip_prefix('.').filter(|_| l.starts_with("..")).unwrap_or(&l));
            }
            let received = parse(from.clone().unwrap_or_default(), to.clone(), &data);
            let id = seen.lock().unwrap().received.len();
            seen.lock().unwrap().received.push(received);
            reply(&mut s, &format!("250 2.0.0 Ok: queued as Q{id:05}")).await?;
            (from, to) = (None, vec![]);
        } else if verb == "RSET" || verb == "NOOP" {
            reply(&mut s, "250 2.0.0 Ok").await?;
        } else if verb == "QUIT" {
            return reply(&mut s, "221 2.0.0 Bye").await;
        } else {
            reply(&mut s, "502 5.5.2 Command not recognized").await?;
        }
    }
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) in a header value.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    for word in value.split_whitespace() {
        let parts: Vec<&str> = word.split('?').collect();
        if parts.len() == 5 && parts[0] == "=" && parts[4] == "=" {
            let bytes = match parts[2].to_ascii_lowercase().as_str() {
                "b" => base64::engine::general_purpose::STANDARD.decode(parts[3]).unwrap_or_default(),
                _ => quoted_printable(&parts[3].replace('_', " ")),
            };
            out.push_str(&String::from_utf8_lossy(&bytes));
        } else {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

fn quoted_printable(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            if bytes.get(i + 1) == Some(&b'\r') || bytes.get(i + 1) == Some(&b'\n') {
                i += if bytes.get(i + 1) == Some(&b'\r') { 3 } else { 2 };
                continue;
            }
            if let Some(hex) = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(hex);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Headers (unfolded, by lower-case name) and the first text part, decoded.
fn headers_and_body(data: &str) -> (HashMap<String, String>, String) {
    let (head, body) = data.split_once("\r\n\r\n").unwrap_or((data, ""));
    let mut headers = HashMap::new();
    let mut last: Option<String> = None;
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(name) = &last {
                headers.entry(name.clone()).and_modify(|v: &mut String| {
                    v.push(' ');
                    v.push_str(line.trim());
                });
            }
        } else if let Some((name, value)) = line.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            headers.insert(name.clone(), value.trim().to_owned());
            last = Some(name);
        }
    }
    (headers, body.to_owned())
}

fn parse(from: String, to: Vec<String>, data: &str) -> Received {
    let (mut headers, body) = headers_and_body(data);
    for v in headers.values_mut() {
        *v = decode_words(v);
    }
    // A multipart message: the first part's own headers and body.
    let (part_headers, part) = match headers.get("content-type").and_then(|c| c.split("boundary=").nth(1)) {
        Some(boundary) => {
            let boundary = boundary.trim_matches('"').split(';').next().unwrap_or("").to_owned();
            let first = body.split(&format!("--{boundary}")).nth(1).unwrap_or("").trim_start_matches("\r\n");
            headers_and_body(first)
        }
        None => (headers.clone(), body),
    };
    let text = match part_headers.get("content-transfer-encoding").map(|e| e.to_ascii_lowercase()) {
        Some(e) if e == "base64" => b64(&part.replace("\r\n", "")),
        Some(e) if e == "quoted-printable" => String::from_utf8_lossy(&quoted_printable(&part)).into_owned(),
        _ => part,
    };
    Received { from, to, headers, text: text.replace("\r\n", "\n").trim_end().to_owned() }
}
