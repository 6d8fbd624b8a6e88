//! The moment after which a message must no longer be written to the SMTP server: the end of
//! the usable part of the lease its delivery row is held by. The transport checks it just
//! before each message is written, so a process that stalled (paused, swapped out, or waiting
//! on a slow server) sends nothing once another instance may have claimed the row.

use std::time::{Duration, Instant, SystemTime};

#[derive(Clone, Copy, Debug)]
pub struct Deadline(Option<(Instant, SystemTime)>);

impl Deadline {
    /// No deadline: the message may be written whenever (mail that holds no lease).
    pub const NONE: Deadline = Deadline(None);

    /// `after` from now.
    pub fn after(after: Duration) -> Deadline {
        Deadline(Some((Instant::now() + after, SystemTime::now() + after)))
    }

    /// Both clocks are asked: the monotonic one cannot be set back, but on Linux it stands
    /// still while the machine is suspended, when the wall clock (by which other instances
    /// judge the lease in the database) goes on.
    pub fn passed(&self) -> bool {
        self.0
            .is_some_and(|(instant, wall)| Instant::now() >= instant || SystemTime::now() >= wall)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_passes_and_none_never_does() {
        assert!(!Deadline::NONE.passed());
        assert!(!Deadline::after(Duration::from_secs(60)).passed());
        assert!(Deadline::after(Duration::ZERO).passed());
        let soon = Deadline::after(Duration::from_millis(20));
        std::thread::sleep(Duration::from_millis(30));
        assert!(soon.passed());
    }
}
