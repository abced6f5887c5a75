//! How each backend's driver errors read as the storage's errors. They live here because a
//! conversion between two types of other crates may only be written where one of them is defined.

#[cfg(feature = "sqlite")]
mod sqlite {
    use crate::{ledger::LedgerError, DbError};

    impl From<rusqlite::Error> for DbError {
        fn from(err: rusqlite::Error) -> Self {
            DbError::Database(err.to_string())
        }
    }

    impl From<rusqlite::Error> for LedgerError {
        fn from(e: rusqlite::Error) -> Self {
            match e {
                rusqlite::Error::SqliteFailure(f, ref message)
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    LedgerError::Conflict(message.clone().unwrap_or_default())
                }
                e => LedgerError::Storage(e.into()),
            }
        }
    }
}

#[cfg(feature = "postgres")]
pub use self::postgres::describe;

#[cfg(feature = "postgres")]
mod postgres {
    use ::postgres::error::SqlState;

    use crate::{ledger::LedgerError, DbError};

    /// The server's message and SQLSTATE, or the client's error with its cause.
    pub fn describe(e: &::postgres::Error) -> String {
        match e.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None => match std::error::Error::source(e) {
                Some(source) => format!("{e}: {source}"),
                None => e.to_string(),
            },
        }
    }

    impl From<::postgres::Error> for DbError {
        fn from(e: ::postgres::Error) -> Self {
            match e.code() {
                Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED => {
                    DbError::Retry(describe(&e))
                }
                _ => DbError::Database(describe(&e)),
            }
        }
    }

    impl From<r2d2::Error> for DbError {
        fn from(e: r2d2::Error) -> Self {
            DbError::Database(format!("no database connection: {e}"))
        }
    }

    impl From<::postgres::Error> for LedgerError {
        fn from(e: ::postgres::Error) -> Self {
            match e.code() {
                // An integrity constraint (an id taken, a reference to nothing): the operation's own conflict.
                Some(c) if c.code().starts_with("23") => LedgerError::Conflict(describe(&e)),
                _ => LedgerError::Storage(e.into()),
            }
        }
    }
}
