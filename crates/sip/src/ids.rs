//! Identifiers from a seeded RNG (RFC 3261 §19.3: tags, Call-IDs, branches),
//! so that a test trace is reproducible.

use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::header::MAGIC_COOKIE;

/// Generator of tags, Call-IDs, branches and nonces.
#[derive(Debug, Clone)]
pub struct IdGen {
    rng: ChaCha8Rng,
}

const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

impl IdGen {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// A random `u64`.
    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// `len` random characters from a 32-symbol alphabet (5 bits each).
    pub fn token(&mut self, len: usize) -> String {
        let mut out = String::with_capacity(len);
        let mut bits = 0u64;
        let mut left = 0;
        for _ in 0..len {
            if left < 5 {
                bits = self.rng.next_u64();
                left = 64;
            }
            let idx = usize::try_from(bits & 31).unwrap_or(0);
            out.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'a')));
            bits >>= 5;
            left -= 5;
        }
        out
    }

    /// A From/To tag (64 random bits).
    pub fn tag(&mut self) -> String {
        self.token(13)
    }

    /// A Call-ID `random@host` (128 random bits).
    pub fn call_id(&mut self, host: &str) -> String {
        let mut id = self.token(26);
        if !host.is_empty() {
            id.push('@');
            id.push_str(host);
        }
        id
    }

    /// A branch with the magic cookie (96 random bits).
    pub fn branch(&mut self) -> String {
        let mut b = String::from(MAGIC_COOKIE);
        b.push_str(&self.token(20));
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_ids() {
        let (mut a, mut b) = (IdGen::new(7), IdGen::new(7));
        assert_eq!(a.branch(), b.branch());
        assert_eq!(a.tag(), b.tag());
        assert!(a.branch().starts_with("z9hG4bK"));
        assert_ne!(a.tag(), a.tag());
        assert!(a.call_id("h").ends_with("@h"));
    }
}
