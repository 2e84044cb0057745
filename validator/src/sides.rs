//! Good events to one sink and bad rows to another: two kinds of output side by side (a
//! PostgreSQL table for the good, a file or a JetStream subject for the bad, say). Either side
//! may be absent: it is not written.

use std::io;

use eventcat_engine::{BadRow, Good, Sink};

/// A sink of either side.
pub type BoxSink = Box<dyn Sink + Send>;

/// Valid events to `good`, bad rows to `bad`; a flush flushes both (good first).
pub struct Split {
    pub good: Option<BoxSink>,
    pub bad: Option<BoxSink>,
}

impl std::fmt::Debug for Split {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Split")
            .field("good", &self.good.is_some())
            .field("bad", &self.bad.is_some())
            .finish()
    }
}

impl Sink for Split {
    fn valid(&mut self, good: &Good<'_>) -> io::Result<()> {
        match &mut self.good {
            Some(sink) => sink.valid(good),
            None => Ok(()),
        }
    }
    fn invalid(&mut self, row: &BadRow<'_>) -> io::Result<()> {
        match &mut self.bad {
            Some(sink) => sink.invalid(row),
            None => Ok(()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        if let Some(sink) = &mut self.good {
            sink.flush()?;
        }
        if let Some(sink) = &mut self.bad {
            sink.flush()?;
        }
        Ok(())
    }
}
