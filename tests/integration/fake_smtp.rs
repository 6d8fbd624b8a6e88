//! A scriptable SMTP server, for the answers smtp-sink does not give: refusals, dropped
//! connections, slow answers, and an answer held back until the test lets it go. The local
//! part of the recipient picks the answer.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
    sync::Notify,
};

use crate::support::{Backend, Options, TestApp};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Answer {
    Accept,
    /// 451 to RCPT TO: try again later.
    Temporary,
    /// 550 to RCPT TO: refused for good.
    Permanent,
    /// The connection closes after RCPT TO, without an answer.
    Drop,
    /// 250 to the message, but only after a pause.
    Slow,
    /// The first time: the `354` to DATA is held back until [`Stall::release`].
    Stall,
}

/// The answer held back for the first recipient whose local part starts with "stall".
#[derive(Default)]
pub struct Stall {
    used: AtomicBool,
    started: Notify,
    released: Notify,
}

impl Stall {
    /// Waits until a client is waiting for the held-back answer.
    pub async fn started(&self) {
        tokio::time::timeout(Duration::from_secs(10), self.started.notified())
            .await
            .expect("a message to a stall@ address within 10 s");
    }

    /// Lets the held-back answer go.
    pub fn release(&self) {
        self.released.notify_one();
    }
}

#[derive(Clone)]
pub struct FakeSmtp {
    pub port: u16,
    accepted: Arc<Mutex<Vec<String>>>,
    /// The envelope (`MAIL FROM`, `RCPT TO`) of each message accepted.
    envelopes: Arc<Mutex<Vec<(String, String)>>>,
    /// While true, every address whose local part starts with "refuse" gets a 550.
    pub refusing: Arc<AtomicBool>,
    /// Whether EHLO offers PIPELINING (RFC 2920).
    pipelining: bool,
    /// MAIL FROM commands that arrived together with the commands after them.
    pub pipelined: Arc<AtomicUsize>,
    pub stall: Arc<Stall>,
}

impl FakeSmtp {
    pub async fn start(pipelining: bool) -> FakeSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let server = FakeSmtp {
            port: listener.local_addr().expect("addr").port(),
            accepted: Arc::default(),
            envelopes: Arc::default(),
            refusing: Arc::new(AtomicBool::new(true)),
            pipelining,
            pipelined: Arc::default(),
            stall: Arc::default(),
        };
        let shared = server.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let server = shared.clone();
                tokio::spawn(async move { server.session(socket).await });
            }
        });
        server
    }

    fn answer_for(&self, address: &str) -> Answer {
        let local = address.split('@').next().unwrap_or("");
        if local.starts_with("refuse") && self.refusing.load(Ordering::SeqCst) {
            Answer::Permanent
        } else if local.starts_with("later") {
            Answer::Temporary
        } else if local.starts_with("drop") {
            Answer::Drop
        } else if local.starts_with("slow") {
            Answer::Slow
        } else if local.starts_with("stall") && !self.stall.used.swap(true, Ordering::SeqCst) {
            Answer::Stall
        } else {
            Answer::Accept
        }
    }

    async fn session(&self, socket: tokio::net::TcpStream) {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        let _ = write.write_all(b"220 fake ESMTP\r\n").await;
        let mut sender = String::new();
        let mut recipient = String::new();
        let mut answer = Answer::Accept;
        while let Ok(Some(line)) = lines.next_line().await {
            let upper = line.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                if self.pipelining {
                    b"250-fake\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
                } else {
                    b"250-fake\r\n250 8BITMIME\r\n"
                }
            } else if upper.starts_with("MAIL FROM") {
                sender = line[10..]
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .trim_matches(|c| c == '<' || c == '>' || c == ':')
                    .to_string();
                if !lines.get_ref().buffer().is_empty() {
                    self.pipelined.fetch_add(1, Ordering::SeqCst);
                }
                b"250 OK\r\n"
            } else if upper.starts_with("RSET") || upper.starts_with("NOOP") {
                answer = Answer::Accept;
                b"250 OK\r\n"
            } else if upper.starts_with("RCPT TO") {
                recipient = line[8..]
                    .trim()
                    .trim_matches(|c| c == '<' || c == '>' || c == ':')
                    .to_string();
                answer = self.answer_for(&recipient);
                match answer {
                    Answer::Temporary => b"451 4.3.0 try again later\r\n",
                    Answer::Permanent => b"550 5.1.1 no such user\r\n",
                    Answer::Drop => return,
                    Answer::Accept | Answer::Slow | Answer::Stall => b"250 OK\r\n",
                }
            } else if upper.starts_with("DATA") {
                if matches!(answer, Answer::Temporary | Answer::Permanent) {
                    // As real servers do: no message without an accepted recipient.
                    if write
                        .write_all(b"554 5.5.1 no valid recipients\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                    continue;
                }
                if answer == Answer::Stall {
                    self.stall.started.notify_one();
                    self.stall.released.notified().await;
                }
                let _ = write.write_all(b"354 go ahead\r\n").await;
                // A message counts only once its final "." has come: a client that closes
                // the connection before has aborted it.
                let mut complete = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    if line == "." {
                        complete = true;
                        break;
                    }
                }
                if !complete {
                    return;
                }
                if answer == Answer::Slow {
                    tokio::time::sleep(Duration::from_millis(1500)).await;
                }
                self.accepted.lock().expect("lock").push(recipient.clone());
                self.envelopes
                    .lock()
                    .expect("lock")
                    .push((sender.clone(), recipient.clone()));
                b"250 2.0.0 queued\r\n"
            } else if upper.starts_with("QUIT") {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            } else {
                b"502 command not implemented\r\n"
            };
            if write.write_all(reply).await.is_err() {
                return;
            }
        }
    }

    /// The options for a Fora that sends through this server.
    pub fn options(&self, newsletter: fora::config::NewsletterConfig) -> Options {
        Options {
            smtp_url: Some(format!("smtp://127.0.0.1:{}", self.port)),
            newsletter,
            ..Default::default()
        }
    }

    /// A Fora on SQLite that sends through this server.
    pub async fn app(&self, newsletter: fora::config::NewsletterConfig) -> TestApp {
        TestApp::start(Backend::Sqlite, self.options(newsletter)).await
    }

    /// The envelope sender and recipient of the messages accepted, in the order they were.
    pub fn envelopes(&self) -> Vec<(String, String)> {
        self.envelopes.lock().expect("lock").clone()
    }

    /// The recipients of the messages accepted, in the order they were.
    pub fn accepted(&self) -> Vec<String> {
        self.accepted.lock().expect("lock").clone()
    }
}
