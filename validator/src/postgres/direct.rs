//! A batch's valid payloads as typed rows of their own tables, built as the payloads arrive
//! (on the caller's thread, while the previous batch is written), for one `COPY` per table
//! straight into the event tables.

use foldhash::HashSet;

use super::typed::{Key, Typed};

/// The typed rows of one batch, by table.
#[derive(Debug, Default)]
pub(super) struct DirectRows {
    /// Each typed table's rows, in `COPY`'s text format.
    pub(super) rows: Vec<Vec<u8>>,
    /// The keys given so far: a later row of the same key is left out, as `ON CONFLICT DO
    /// NOTHING` leaves it. (The same key spelled two ways reaches the table twice and is a
    /// unique violation, answered as a stored row's.)
    keys: HashSet<(usize, Key)>,
    /// Each table's partition keys ([`Typed::partition_key`]) seen in the batch.
    partitions: Vec<HashSet<String>>,
    /// One timestamp for each of them, with its table: what `ensure_partition` is given.
    pub(super) samples: Vec<(usize, String, String)>,
    /// Rows appended.
    pub(super) typed: u64,
}

impl DirectRows {
    /// Empties it for the next batch, keeping its memory.
    pub(super) fn clear(&mut self) {
        self.rows.iter_mut().for_each(Vec::clear);
        self.keys.clear();
        self.partitions.iter_mut().for_each(HashSet::clear);
        self.samples.clear();
        self.typed = 0;
    }

    /// Appends `payload` as a row of table `no`; `false` when the client cannot type it (it
    /// goes through its loader function instead). A repeat of a key given earlier in the
    /// batch is left out and counts as typed.
    pub(super) fn push(&mut self, typed: &Typed, no: usize, payload: &str) -> bool {
        if self.rows.len() < typed.tables.len() {
            self.rows.resize_with(typed.tables.len(), Vec::new);
            self.partitions
                .resize_with(typed.tables.len(), HashSet::default);
        }
        let rows = &mut self.rows[no];
        let start = rows.len();
        let Some(key) = typed.encode_direct(no, payload, rows) else {
            return false;
        };
        self.typed += 1;
        let partition = typed.partition_key(no, &key.timestamp);
        if !self.partitions[no].contains(partition) {
            self.partitions[no].insert(partition.to_owned());
            self.samples
                .push((no, partition.to_owned(), key.timestamp.clone()));
        }
        if !self.keys.insert((no, key)) {
            rows.truncate(start);
        }
        true
    }
}
