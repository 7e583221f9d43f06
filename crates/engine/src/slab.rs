//! Handles over slab indices for live objects (call legs): O(1) lookup, and
//! a stale handle (generation mismatch) never reaches a newer object.

use std::fmt;

/// A handle to a call leg (one SIP dialog and its RTP socket).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LegKey {
    index: u32,
    generation: u32,
}

impl fmt::Display for LegKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "leg{}.{}", self.index, self.generation)
    }
}

impl LegKey {
    /// The slot index: dense and small, reused after the leg ends (with a
    /// new generation), so a driver may index a `Vec` of its own per-leg
    /// state with it and compare the whole key to reject a stale one.
    pub fn index(self) -> usize {
        self.index as usize
    }

    /// A key that never names a leg (a call whose first leg is not made yet).
    pub(crate) const fn placeholder() -> LegKey {
        LegKey {
            index: u32::MAX,
            generation: u32::MAX,
        }
    }
}

#[derive(Debug)]
struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

/// A generational slab.
#[derive(Debug)]
pub(crate) struct Slab<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    len: usize,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Slab<T> {
    pub fn insert_with(&mut self, make: impl FnOnce(LegKey) -> T) -> LegKey {
        self.len += 1;
        if let Some(index) = self.free.pop() {
            let slot = &mut self.slots[index as usize];
            slot.generation = slot.generation.wrapping_add(1);
            let key = LegKey {
                index,
                generation: slot.generation,
            };
            slot.value = Some(make(key));
            key
        } else {
            let index = self.slots.len() as u32;
            let key = LegKey {
                index,
                generation: 0,
            };
            self.slots.push(Slot {
                generation: 0,
                value: Some(make(key)),
            });
            key
        }
    }

    pub fn get(&self, key: LegKey) -> Option<&T> {
        self.slots
            .get(key.index as usize)
            .filter(|s| s.generation == key.generation)
            .and_then(|s| s.value.as_ref())
    }

    pub fn get_mut(&mut self, key: LegKey) -> Option<&mut T> {
        self.slots
            .get_mut(key.index as usize)
            .filter(|s| s.generation == key.generation)
            .and_then(|s| s.value.as_mut())
    }

    pub fn remove(&mut self, key: LegKey) -> Option<T> {
        let slot = self
            .slots
            .get_mut(key.index as usize)
            .filter(|s| s.generation == key.generation)?;
        let v = slot.value.take()?;
        self.free.push(key.index);
        self.len -= 1;
        Some(v)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn iter(&self) -> impl Iterator<Item = (LegKey, &T)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| {
            s.value.as_ref().map(|v| {
                (
                    LegKey {
                        index: i as u32,
                        generation: s.generation,
                    },
                    v,
                )
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_keys_miss() {
        let mut s: Slab<u32> = Slab::default();
        let a = s.insert_with(|_| 1);
        assert_eq!(s.remove(a), Some(1));
        let b = s.insert_with(|_| 2);
        assert_ne!(a, b);
        assert_eq!(s.get(a), None);
        assert_eq!(s.get(b), Some(&2));
        assert_eq!(s.len(), 1);
    }
}
