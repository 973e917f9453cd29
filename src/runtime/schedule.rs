//! Which reconciles are routine re-reads, so that their AWS calls give way to urgent ones
//! (see `aws::priority`).
//!
//! The controller runtime does not say why a reconcile runs. What tells: an object whose
//! status already says Ready for its current generation, reconciled when its periodic
//! re-read is due (or for the first time since the operator started), is being re-read.
//! Anything else answers a change: a new or edited object, one that is not Ready, trusted
//! access coming back (every object woken before its time), a retry after an error.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::aws::priority::Priority;

/// A requeue fires at its time or a little after; this much early still counts as due.
const DUE_TOLERANCE: Duration = Duration::from_millis(250);

/// When each object is next due for its periodic re-read.
#[derive(Default)]
pub struct Schedule {
    due: Mutex<HashMap<String, Instant>>,
}

impl Schedule {
    /// `object` will be re-read at `due`.
    pub fn due_at(&self, object: String, due: Instant) {
        self.lock().insert(object, due);
    }

    /// `object` has no periodic re-read planned (waits for a change, or is gone).
    pub fn forget(&self, object: &str) {
        self.lock().remove(object);
    }

    /// The priority of a reconcile of `object` starting `now`; `converged`: its status
    /// says Ready for its current generation.
    pub fn priority(&self, object: &str, converged: bool, now: Instant) -> Priority {
        if !converged {
            return Priority::Urgent;
        }
        match self.lock().get(object) {
            // Converged before this process started: the first look is a re-read.
            None => Priority::Routine,
            Some(due) if now + DUE_TOLERANCE >= *due => Priority::Routine,
            // Woken before its time: something changed.
            Some(_) => Priority::Urgent,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        // Every change is a single insert or remove: a poisoned map is still consistent.
        self.due.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_converged_object_at_its_due_time_is_routine() {
        let schedule = Schedule::default();
        let now = Instant::now();
        let minute = Duration::from_secs(60);
        // Not Ready (new, edited, failing, waiting): urgent.
        assert_eq!(schedule.priority("a", false, now), Priority::Urgent);
        // Ready, first look since start: a re-read.
        assert_eq!(schedule.priority("a", true, now), Priority::Routine);
        schedule.due_at("a".into(), now + minute);
        // Woken early (trusted access came back, a retry): urgent.
        assert_eq!(schedule.priority("a", true, now), Priority::Urgent);
        // At its time, or a little before: routine.
        assert_eq!(
            schedule.priority("a", true, now + minute),
            Priority::Routine
        );
        assert_eq!(
            schedule.priority("a", true, now + minute - Duration::from_millis(100)),
            Priority::Routine
        );
        // Not Ready at its time (it was found drifted and edited meanwhile): urgent.
        assert_eq!(
            schedule.priority("a", false, now + minute),
            Priority::Urgent
        );
        schedule.forget("a");
        assert_eq!(schedule.priority("a", true, now), Priority::Routine);
    }
}
