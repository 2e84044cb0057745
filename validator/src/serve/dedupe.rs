//! `--dedupe-window N`: the `event_id`s of the last N good events written, so that a client
//! retrying a request whose answer it never got (its connection dropped after the writer had
//! written the events) does not store them twice. Segment does the same with `messageId`.
//!
//! The guarantee is bounded on purpose: within one process, a valid event whose `event_id` is
//! among the last N distinct ids written as good is a duplicate (answered as accepted,
//! `"duplicate": true`, not written again); an older id is forgotten (oldest first) and would
//! be written again. Memory is flat: an id is kept as a 128-bit keyed hash (SipHash with
//! keys drawn at start, so a client cannot craft collisions), whatever its length.

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

/// What an id is remembered as: 128 bits of two keyed hashes. Two different ids collide with
/// a chance of about N / 2^128 per event: never, in practice.
pub type Key = u128;

/// A set of keys, hashed by their own low 64 bits: a key is already the output of a keyed
/// hash, so hashing it again (SipHash, the default) bought nothing and showed in profiles.
pub type KeySet = HashSet<Key, BuildHasherDefault<KeyHasher>>;

/// The hasher of [`KeySet`]: the low 64 bits of a [`Key`].
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u128(&mut self, key: u128) {
        self.0 = key as u64;
    }

    /// Only keys are hashed; any other bytes are folded in all the same (FNV-1a), so the
    /// hasher stays correct if used otherwise.
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
}

#[derive(Debug)]
pub struct Window {
    capacity: usize,
    order: VecDeque<Key>,
    seen: KeySet,
    hashers: (RandomState, RandomState),
}

impl Window {
    /// A window of `capacity` ids; 0 remembers nothing (deduplication off).
    pub fn new(capacity: usize) -> Self {
        Window {
            capacity,
            order: VecDeque::with_capacity(capacity.min(1 << 16)),
            seen: KeySet::with_capacity_and_hasher(capacity.min(1 << 16), Default::default()),
            hashers: (RandomState::new(), RandomState::new()),
        }
    }

    /// The key of an id, or `None` when deduplication is off.
    pub fn key(&self, id: &str) -> Option<Key> {
        (self.capacity > 0).then(|| {
            (u128::from(self.hashers.0.hash_one(id)) << 64)
                | u128::from(self.hashers.1.hash_one(id))
        })
    }

    pub fn contains(&self, key: Key) -> bool {
        self.seen.contains(&key)
    }

    /// Remembers a key, forgetting the oldest once the window is full.
    pub fn insert(&mut self, key: Key) {
        if self.capacity == 0 || !self.seen.insert(key) {
            return;
        }
        if self.order.len() == self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.seen.remove(&oldest);
        }
        self.order.push_back(key);
    }

    pub fn clear(&mut self) {
        self.order.clear();
        self.seen.clear();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.order.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_forgets_the_oldest_first_and_stays_bounded() {
        let mut window = Window::new(3);
        let key = |w: &Window, id: &str| w.key(id).unwrap();
        for id in ["a", "b", "c", "a"] {
            let k = key(&window, id);
            window.insert(k);
        }
        assert_eq!(window.len(), 3, "a repeated id takes no room");
        let d = key(&window, "d");
        window.insert(d);
        assert!(
            !window.contains(key(&window, "a")),
            "the oldest is forgotten"
        );
        for id in ["b", "c", "d"] {
            assert!(window.contains(key(&window, id)), "{id}");
        }
        for n in 0..1000 {
            let k = key(&window, &n.to_string());
            window.insert(k);
        }
        assert_eq!(window.len(), 3);
        window.clear();
        assert!(!window.contains(d));
    }

    #[test]
    fn a_window_of_zero_remembers_nothing() {
        let mut window = Window::new(0);
        assert_eq!(window.key("a"), None);
        window.insert(1);
        assert!(!window.contains(1));
    }
}
