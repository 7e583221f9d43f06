//! Queries the HTTP API needs beyond the store's own (issue 6): counts for
//! `/metrics` and the wallboard.

use super::{Store, StoreError};

/// Voicemail messages by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VoicemailCounts {
    /// Not taken in charge yet.
    pub new: u64,
    /// Taken, not closed.
    pub taken: u64,
    /// Closed.
    pub closed: u64,
    /// When the oldest `new` message arrived (UTC ms).
    pub oldest_new_ms: Option<i64>,
}

impl Store {
    /// How many messages are in each state.
    pub fn voicemail_counts(&self) -> Result<VoicemailCounts, StoreError> {
        let mut c = VoicemailCounts::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT state, COUNT(*), MIN(received_ms) FROM voicemails GROUP BY state",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let state: String = row.get(0)?;
            let n = u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0);
            match state.as_str() {
                "new" => {
                    c.new = n;
                    c.oldest_new_ms = row.get(2)?;
                }
                "taken" => c.taken = n,
                "closed" => c.closed = n,
                _ => {}
            }
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Voicemail;

    #[test]
    fn counts_by_state() {
        let mut s = Store::open_in_memory().unwrap();
        assert_eq!(s.voicemail_counts().unwrap(), VoicemailCounts::default());
        let at = |m: u32| {
            chrono::DateTime::parse_from_rfc3339(&format!("2026-11-23T09:{m:02}:00+01:00")).unwrap()
        };
        {
            let b = s.batch().unwrap();
            for (i, m) in [(1, 5), (2, 3), (3, 7)] {
                let vm = Voicemail::new(
                    format!("vm-{i}"),
                    format!("c-{i}"),
                    "svc".into(),
                    None,
                    "100".into(),
                    at(m),
                    1000,
                    format!("voicemail/vm-{i}.wav"),
                );
                b.insert_voicemail(&vm).unwrap();
            }
            b.commit().unwrap();
        }
        s.take_voicemail("vm-2", "op", at(10)).unwrap();
        let c = s.voicemail_counts().unwrap();
        assert_eq!((c.new, c.taken, c.closed), (2, 1, 0));
        assert_eq!(c.oldest_new_ms, Some(at(5).timestamp_millis()));
    }
}
