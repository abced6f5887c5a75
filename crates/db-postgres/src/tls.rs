//! How a connection to PostgreSQL is secured. With `sslmode=require` in the address, every
//! connection is TLS and the server's certificate is checked in full, as libpq's `verify-full`
//! would (its chain against the authority `database_ca_file` names or, without one, the public
//! roots; its name against the address's host); a server that cannot show one is refused. Without
//! it (`disable`, or `prefer`, the default) the connection is plain, as on a private network or a
//! loopback test cluster; an authority given without `sslmode=require` is refused at start rather
//! than silently unused.
use std::path::Path;

use ::postgres::{config::SslMode, Client, Config, NoTls};
use rustls::pki_types::{pem::PemObject, CertificateDer};
use tokio_postgres_rustls::MakeRustlsConnect;

use portal_db::{DbError, DbResult};

/// What connections are made with.
#[derive(Clone)]
pub enum Tls {
    Plain,
    Verified(MakeRustlsConnect),
}

impl Tls {
    /// For the address's `sslmode`, trusting the authority in `ca_file` if any (and then only it).
    pub fn for_config(config: &Config, ca_file: Option<&Path>) -> DbResult<Tls> {
        if config.get_ssl_mode() != SslMode::Require {
            if let Some(path) = ca_file {
                return Err(DbError::Database(format!(
                    "a CA file is set for the database ({}) but its address does not ask for TLS: add \
                     ?sslmode=require to it",
                    path.display()
                )));
            }
            return Ok(Tls::Plain);
        }
        let mut roots = rustls::RootCertStore::empty();
        match ca_file {
            // A private authority replaces the public ones: a public certificate for the host
            // name is no proof of being this database.
            Some(path) => {
                let shown = path.display();
                let certificates = CertificateDer::pem_file_iter(path)
                    .map_err(|e| DbError::Database(format!("cannot read the database's CA file {shown}: {e}")))?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| DbError::Database(format!("the database's CA file {shown} is not PEM: {e}")))?;
                if certificates.is_empty() {
                    return Err(DbError::Database(format!("the database's CA file {shown} holds no certificate")));
                }
                for certificate in certificates {
                    roots
                        .add(certificate)
                        .map_err(|e| DbError::Database(format!("a certificate in {shown} is not usable: {e}")))?;
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        let config = rustls::ClientConfig::builder_with_provider(rustls::crypto::ring::default_provider().into())
            .with_safe_default_protocol_versions()
            .map_err(|e| DbError::Database(format!("TLS set-up: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Tls::Verified(MakeRustlsConnect::new(config)))
    }

    pub fn connect(&self, config: &Config) -> Result<Client, ::postgres::Error> {
        match self {
            Tls::Plain => config.connect(NoTls),
            Tls::Verified(tls) => config.connect(tls.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{scratch_database, PostgresDatabase};

    /// The throwaway cluster (scripts/with-postgres) offers TLS with a certificate of its own
    /// authority, named by PORTAL_TEST_POSTGRES_CA.
    fn cluster() -> Option<(String, std::path::PathBuf)> {
        match (std::env::var("PORTAL_TEST_POSTGRES"), std::env::var("PORTAL_TEST_POSTGRES_CA")) {
            (Ok(base), Ok(ca)) => Some((base, ca.into())),
            _ => {
                assert!(std::env::var_os("PORTAL_REQUIRE_POSTGRES").is_none(), "run under scripts/with-postgres");
                None
            }
        }
    }

    #[test]
    fn sslmode_require_is_tls_with_the_server_certificate_checked() {
        let Some((base, ca)) = cluster() else { return };
        let url = format!("{}?sslmode=require", scratch_database(&base).unwrap());

        let db = PostgresDatabase::open_blocking(&url, 1, Some(&ca)).unwrap();
        let mut conn = db.pool.as_ref().unwrap().get().unwrap();
        let encrypted: bool =
            conn.client.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).unwrap().get(0);
        assert!(encrypted, "the session is TLS");
        drop(conn);
        drop(db);

        // Not an authority this server trusts: refused, not connected in the clear.
        let Err(refused) = PostgresDatabase::open_blocking(&url, 1, None) else {
            panic!("a certificate of an unknown authority was accepted")
        };
        assert!(refused.to_string().contains("certificate"), "{refused}");

        // A file that holds no certificate is an error at start, not a silent fallback.
        let empty = tempfile::NamedTempFile::new().unwrap();
        let Err(bad) = PostgresDatabase::open_blocking(&url, 1, Some(empty.path())) else {
            panic!("an empty CA file was accepted")
        };
        assert!(bad.to_string().contains("no certificate"), "{bad}");

        // The right authority, the wrong name: refused (the host name is checked, not only the chain).
        let wrong_name = url.replace("127.0.0.1", "wrong.example").replace("?sslmode", "?hostaddr=127.0.0.1&sslmode");
        let Err(refused) = PostgresDatabase::open_blocking(&wrong_name, 1, Some(&ca)) else {
            panic!("a certificate for another name was accepted")
        };
        assert!(refused.to_string().contains("certificate"), "{refused}");

        // An authority given for an address that does not ask for TLS: refused, not ignored.
        let plain = url.replace("?sslmode=require", "");
        let Err(refused) = PostgresDatabase::open_blocking(&plain, 1, Some(&ca)) else {
            panic!("a CA file was silently unused")
        };
        assert!(refused.to_string().contains("sslmode=require"), "{refused}");
    }
}
