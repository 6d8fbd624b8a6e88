//! A mailbox in memory: the transport the tests use, so they are told when a message arrives
//! instead of polling a folder. Messages are kept as the bytes an SMTP server would receive,
//! with their envelope sender (`MAIL FROM`).

use std::time::Duration;

use tokio::sync::watch;

pub struct MemoryOutbox {
    messages: std::sync::Mutex<Vec<Vec<u8>>>,
    senders: std::sync::Mutex<Vec<String>>,
    count: watch::Sender<usize>,
}

impl Default for MemoryOutbox {
    fn default() -> Self {
        Self {
            messages: std::sync::Mutex::new(Vec::new()),
            senders: std::sync::Mutex::new(Vec::new()),
            count: watch::Sender::new(0),
        }
    }
}

impl MemoryOutbox {
    pub(super) fn push(&self, envelope: &lettre::address::Envelope, bytes: Vec<u8>) {
        let sender = envelope.from().map(ToString::to_string).unwrap_or_default();
        let mut messages = self.messages.lock().unwrap_or_else(|e| e.into_inner());
        self.senders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(sender);
        messages.push(bytes);
        self.count.send_replace(messages.len());
    }

    /// Every message so far, oldest first.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        self.messages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The envelope sender of every message so far, in the order of [`MemoryOutbox::messages`].
    pub fn senders(&self) -> Vec<String> {
        self.senders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn len(&self) -> usize {
        *self.count.borrow()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits until `ready` holds for the messages so far, or `timeout` passes; returns them.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut ready: impl FnMut(&[Vec<u8>]) -> bool,
    ) -> Vec<Vec<u8>> {
        let mut arrivals = self.count.subscribe();
        let _ = tokio::time::timeout(timeout, async {
            loop {
                if ready(&self.messages()) {
                    return;
                }
                if arrivals.changed().await.is_err() {
                    return;
                }
            }
        })
        .await;
        self.messages()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_waiter_wakes_when_the_message_it_waits_for_arrives() {
        let outbox = std::sync::Arc::new(MemoryOutbox::default());
        let sender = outbox.clone();
        tokio::spawn(async move {
            let envelope = lettre::address::Envelope::new(
                Some("a@example.org".parse().expect("address")),
                vec!["b@example.org".parse().expect("address")],
            )
            .expect("envelope");
            for n in 0..3u8 {
                tokio::time::sleep(Duration::from_millis(10)).await;
                sender.push(&envelope, vec![n]);
            }
        });
        let started = std::time::Instant::now();
        let messages = outbox
            .wait_until(Duration::from_secs(5), |messages| messages.len() >= 3)
            .await;
        assert_eq!(messages, vec![vec![0], vec![1], vec![2]]);
        assert!(started.elapsed() < Duration::from_secs(1));
        let none = outbox
            .wait_until(Duration::from_millis(20), |messages| messages.len() >= 4)
            .await;
        assert_eq!(none.len(), 3, "a timeout returns what arrived");
    }
}
