//! Event delivery faults (`/_emulator/event-faults`) and the published-event log
//! (`/_emulator/events`): the test hooks for the EventBridge path.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Oldest events are dropped beyond this, like the call log.
const MAX_EVENTS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventFaultKind {
    /// The event is never delivered.
    Drop,
    /// The event is delivered twice (same event id), as at-least-once delivery allows.
    Duplicate,
    /// Delivery waits `delay_ms`; later events queue behind it (order is kept).
    Delay,
    /// This event alone is held back `delay_ms`, so later events overtake it.
    Reorder,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventFault {
    #[serde(default)]
    pub id: u64,
    pub kind: EventFaultKind,
    /// Fire with this probability (0..=1) on each matching event.
    pub rate: Option<f64>,
    /// Fire for the next `count` matching events, then stop.
    pub count: Option<u64>,
    pub delay_ms: Option<u64>,
    /// Only events whose `detail.eventName` is this (e.g. `StopLogging`).
    pub event_name: Option<String>,
}

impl EventFault {
    pub fn validate(&self) -> Result<(), String> {
        if self.rate.is_some_and(|r| !(0.0..=1.0).contains(&r)) {
            return Err("rate must be between 0 and 1".into());
        }
        let needs_delay = matches!(self.kind, EventFaultKind::Delay | EventFaultKind::Reorder);
        if needs_delay && self.delay_ms.is_none() {
            return Err("delay and reorder faults need delay_ms".into());
        }
        if !needs_delay && self.delay_ms.is_some() {
            return Err("delay_ms only applies to delay and reorder faults".into());
        }
        if self.delay_ms.is_some_and(|d| d > 600_000) {
            return Err("delay_ms must be at most 600000".into());
        }
        if self.event_name.as_deref() == Some("") {
            return Err("event_name must not be empty".into());
        }
        Ok(())
    }

    fn matches(&self, event_name: Option<&str>) -> bool {
        self.count != Some(0)
            && self
                .event_name
                .as_deref()
                .is_none_or(|n| Some(n) == event_name)
    }
}

/// What the faults decided for one event.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct EventFaultOutcome {
    pub drop: bool,
    pub duplicate: bool,
    pub delay_ms: u64,
    pub reorder_ms: u64,
    /// Kinds that fired, for the event log.
    pub fired: Vec<EventFaultKind>,
}

/// One published event, as `GET /_emulator/events` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct EventRecord {
    pub seq: u64,
    /// Unix epoch milliseconds when the emulator published the event.
    pub published_ms: u64,
    pub account: String,
    pub region: String,
    pub event: Value,
    /// `pending`, `delivered`, `no_logging_trail` or `dropped_by_fault`.
    pub status: String,
    pub faults: Vec<EventFaultKind>,
    pub deliveries: Vec<Delivery>,
}

/// One hand-over of an event to a rule target.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub delivered_ms: u64,
    /// The bus whose rule matched (`arn:aws:events:<region>:<account>:event-bus/default`).
    pub event_bus: String,
    pub rule_arn: String,
    pub target_id: String,
    pub target_arn: String,
    /// `ok`, or why the target did not take it (`queue_does_not_exist`).
    pub outcome: String,
}

#[derive(Debug, Default)]
pub struct EventHooks {
    pub events: Vec<EventRecord>,
    pub seq: u64,
    pub faults: Vec<EventFault>,
    pub next_fault_id: u64,
}

impl EventHooks {
    pub fn add_fault(&mut self, mut f: EventFault) -> Result<u64, String> {
        f.validate()?;
        self.next_fault_id += 1;
        f.id = self.next_fault_id;
        self.faults.push(f);
        Ok(self.next_fault_id)
    }

    /// Applies the matching faults to one event: drop wins, delays add up.
    pub fn decide(&mut self, event_name: Option<&str>) -> EventFaultOutcome {
        let mut out = EventFaultOutcome::default();
        for f in self.faults.iter_mut().filter(|f| f.matches(event_name)) {
            if f.rate.is_some_and(|r| rand::random::<f64>() >= r) {
                continue;
            }
            if let Some(n) = f.count.as_mut() {
                *n -= 1;
            }
            out.fired.push(f.kind);
            match f.kind {
                EventFaultKind::Drop => out.drop = true,
                EventFaultKind::Duplicate => out.duplicate = true,
                EventFaultKind::Delay => out.delay_ms += f.delay_ms.unwrap_or(0),
                EventFaultKind::Reorder => out.reorder_ms += f.delay_ms.unwrap_or(0),
            }
        }
        out
    }

    pub fn push(&mut self, mut rec: EventRecord) -> u64 {
        self.seq += 1;
        rec.seq = self.seq;
        if self.events.len() >= MAX_EVENTS {
            self.events.remove(0);
        }
        self.events.push(rec);
        self.seq
    }

    pub fn get_mut(&mut self, seq: u64) -> Option<&mut EventRecord> {
        self.events.iter_mut().rev().find(|e| e.seq == seq)
    }

    pub fn clear(&mut self) {
        self.events.clear();
        self.faults.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(kind: EventFaultKind) -> EventFault {
        EventFault {
            id: 0,
            kind,
            rate: None,
            count: None,
            delay_ms: None,
            event_name: None,
        }
    }

    #[test]
    fn counts_filters_and_validation() {
        let mut h = EventHooks::default();
        h.add_fault(EventFault {
            count: Some(1),
            event_name: Some("StopLogging".into()),
            ..fault(EventFaultKind::Drop)
        })
        .unwrap();
        assert!(!h.decide(Some("StartLogging")).drop);
        assert!(h.decide(Some("StopLogging")).drop);
        assert!(!h.decide(Some("StopLogging")).drop, "count exhausted");
        h.add_fault(EventFault {
            delay_ms: Some(50),
            ..fault(EventFaultKind::Reorder)
        })
        .unwrap();
        let o = h.decide(None);
        assert_eq!((o.reorder_ms, o.fired), (50, vec![EventFaultKind::Reorder]));
        assert!(h.add_fault(fault(EventFaultKind::Delay)).is_err());
        assert!(
            h.add_fault(EventFault {
                rate: Some(1.5),
                ..fault(EventFaultKind::Drop)
            })
            .is_err()
        );
        assert!(
            h.add_fault(EventFault {
                delay_ms: Some(5),
                ..fault(EventFaultKind::Duplicate)
            })
            .is_err()
        );
    }
}
