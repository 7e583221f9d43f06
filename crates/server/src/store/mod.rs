//! The embedded database: `DATA_DIR/centralino.db`, SQLite in WAL mode.
//!
//! - call events (the log the CDRs are folded from) and CDRs (one row per
//!   call, written at arrival, updated at each event; see [`calls`]);
//! - voicemails (`new → taken → closed`, with who and when; [`voicemail`]);
//! - availability records (start, stop, a heartbeat a minute;
//!   [`availability`]);
//! - callback requests (issue 4; [`callbacks`]).
//!
//! One writer (the server's background thread, or an import) and any
//! number of readers (`centralino sla`, `centralino cdr export`, the HTTP
//! API) may use the file at once. The schema is versioned with
//! `PRAGMA user_version` and migrated at open ([`schema`]); a database
//! written by a newer Centralino is refused, never guessed at.

// The queries (CDR search, voicemail take/close, callbacks) are the HTTP
// API's (issue 6); until it lands only the tests call some of them.
#![cfg_attr(not(test), allow(dead_code, unused_imports))]

pub mod api_queries;
pub mod availability;
pub mod callbacks;
pub mod calls;
mod schema;
pub mod voicemail;

#[cfg(test)]
mod tests;

use centralino_cdr::stamp::{self, Stamp};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use api_queries::VoicemailCounts;
pub use availability::AvailabilityKind;
pub use callbacks::{Callback, CallbackQuery};
pub use calls::{Batch, CdrQuery, OutcomeFilter};
pub use voicemail::{Voicemail, VoicemailQuery, VoicemailState};

/// The database's file name inside the data directory.
pub const DB_FILE: &str = "centralino.db";

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: i64 = schema::CURRENT;

/// How long a statement waits for another connection's lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything that can go wrong with the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file could not be opened or is not a database.
    #[error("{}: {source}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// A read-only command found no database.
    #[error("{}: no database (is the data directory right? `centralino run` or `centralino cdr import` creates it)", path.display())]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The database was written by a newer Centralino.
    #[error("{}: schema version {found} is newer than this centralino supports ({supported}): upgrade centralino", path.display())]
    FutureSchema {
        /// The database file.
        path: PathBuf,
        /// Its `user_version`.
        found: i64,
        /// [`SCHEMA_VERSION`].
        supported: i64,
    },
    /// A statement failed (I/O, disk full, lock timeout, …).
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A row holds something this build cannot read (edited by hand?).
    #[error("database: {table} {key}: {reason}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// The row's key.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// No voicemail with this id.
    #[error("voicemail {id}: no such message")]
    NoSuchVoicemail {
        /// The id asked for.
        id: String,
    },
    /// The voicemail is not in a state that allows the change.
    #[error("voicemail {id} is already {state}: cannot {action} it")]
    VoicemailState {
        /// The message.
        id: String,
        /// Its state.
        state: VoicemailState,
        /// `take` or `close`.
        action: &'static str,
    },
    /// No callback with this id.
    #[error("callback {id}: no such request")]
    NoSuchCallback {
        /// The id asked for.
        id: String,
    },
    /// The callback already reached a final state.
    #[error("callback {id} is already {state}: cannot cancel it")]
    CallbackFinal {
        /// The request.
        id: String,
        /// Its state.
        state: String,
    },
}

/// The database. Not `Sync`: one per thread.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Open (creating it if needed) and migrate the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Self::open_with(path, flags)
    }

    /// Open an existing database (the report and export commands: they
    /// must not create an empty one in the wrong directory). Migrates it
    /// if it is older than this build.
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Self::open_with(path, flags)
    }

    /// The database of a data directory.
    pub fn path_in(data_dir: &Path) -> PathBuf {
        data_dir.join(DB_FILE)
    }

    /// A private in-memory database (tests).
    #[cfg(test)]
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory()?;
        let mut store = Store {
            conn,
            path: PathBuf::from(":memory:"),
        };
        store.migrate()?;
        Ok(store)
    }

    fn open_with(path: &Path, flags: OpenFlags) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // WAL: readers (reports, the API) never block the writer. FULL:
        // a committed batch survives a power cut, not only a crash.
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// The file this store reads.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The database's schema version.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Bring the schema to [`SCHEMA_VERSION`], one transaction per step.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let found = self.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::FutureSchema {
                path: self.path.clone(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        for (from, sql) in schema::MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(found).unwrap_or(0))
        {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", from as i64 + 1)?;
            tx.commit()?;
            tracing::debug!(path = %self.path.display(), version = from + 1, "database migrated");
        }
        Ok(())
    }

    /// Update the query planner's statistics (after a large import).
    pub fn optimize(&self) -> Result<(), StoreError> {
        self.conn.execute_batch("PRAGMA optimize; ANALYZE;")?;
        Ok(())
    }
}

/// UTC milliseconds of a stamp.
pub(crate) fn ms(t: &Stamp) -> i64 {
    t.timestamp_millis()
}

/// Text of an optional stamp.
pub(crate) fn text_opt(t: &Option<Stamp>) -> Option<String> {
    t.as_ref().map(stamp::format)
}

/// Read a stamp written by [`stamp::format`].
pub(crate) fn parse_stamp(table: &'static str, key: &str, text: &str) -> Result<Stamp, StoreError> {
    stamp::parse(text).map_err(|e| StoreError::Corrupt {
        table,
        key: key.to_string(),
        reason: format!("bad instant {text:?}: {e}"),
    })
}

/// Read an optional stamp.
pub(crate) fn parse_stamp_opt(
    table: &'static str,
    key: &str,
    text: Option<String>,
) -> Result<Option<Stamp>, StoreError> {
    text.map(|t| parse_stamp(table, key, &t)).transpose()
}

/// `LIMIT` for SQLite: a negative limit means none.
pub(crate) fn sql_limit(limit: Option<u32>) -> i64 {
    limit.map_or(-1, i64::from)
}
