//! A small SMTP server (a subset of RFC 5321) that runs inside the test process.
//!
//! The tests start it on a free loopback port, so the suite needs no mail server
//! installed. Its behaviour can be switched at run time with [`SmtpServer::set_mode`]
//! to test delivery faults: rejections, a connection dropped in the middle of the
//! message body, a server that never answers, or a slow final reply.
//!
//! The mode is read again at each stage of a session, because the client (lettre)
//! keeps pooled connections open: a change must affect them too, not only new ones.

// A shared helper module: not every test uses every item.
#![allow(dead_code)]

use std::future::poll_fn;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Poll;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::AbortHandle;

/// How the server answers; read at each stage of every session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Normal: 250 everywhere, 354 for DATA, 250 after the final dot.
    Accept,
    /// Answer this code (e.g. 421, 451, 550) at the given stage instead of success.
    Reply(u16, Where),
    /// Accept DATA (354), read part of the body, then close without replying.
    DropMidData,
    /// Never answer anything, until the mode changes or the client goes away.
    Hang,
    /// Like `Accept`, but wait this long before the final 250 after DATA.
    Slow(Duration),
}

/// The stage of a session at which [`Mode::Reply`] answers its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Where {
    /// Instead of the 220 greeting; the connection is closed after it.
    Connect,
    /// In answer to `MAIL FROM`.
    MailFrom,
    /// In answer to each `RCPT TO`.
    RcptTo,
    /// After the final dot of the message (the `DATA` command itself gets 354).
    Data,
}

/// A message accepted with a final 250.
#[derive(Clone, Debug)]
pub struct Received {
    /// Reverse path, without angle brackets (empty for the null sender `<>`).
    pub from: String,
    /// Forward paths, without angle brackets, in the order given.
    pub to: Vec<String>,
    /// The message as sent, dot-stuffing undone, each line ended by CRLF.
    pub data: String,
    /// The `Message-ID` header value, trimmed, angle brackets kept.
    pub message_id: Option<String>,
}

/// The in-process SMTP server; dropping it stops it.
pub struct SmtpServer {
    port: u16,
    shared: Arc<Shared>,
    accept_task: AbortHandle,
}

/// State shared by the handle, the accept loop and every connection task.
struct Shared {
    /// A watch channel rather than a plain mutex so that hanging sessions can wait for a change.
    mode: watch::Sender<Mode>,
    received: Mutex<Vec<Received>>,
    /// Woken at each recorded message, for `wait_for`.
    received_notify: Notify,
    /// The listener lives here, not in the accept task, so `stop` can close the
    /// socket at once: aborting a task only drops it at the runtime's next turn,
    /// and `start_on` for the same port may run before that.
    listener: Mutex<Option<TcpListener>>,
    connections: Mutex<Connections>,
}

/// Open connection tasks, so `stop` can abort them.
#[derive(Default)]
struct Connections {
    /// Set by `stop`; a connection accepted concurrently is then aborted at once.
    stopped: bool,
    handles: Vec<AbortHandle>,
}

impl SmtpServer {
    /// Starts a server on `127.0.0.1` with a port chosen by the system.
    pub async fn start() -> SmtpServer {
        match Self::start_on(0).await {
            Ok(server) => server,
            Err(error) => panic!("cannot start the test SMTP server on 127.0.0.1: {error}"),
        }
    }

    /// Starts a server on `127.0.0.1:port`, e.g. to bring a stopped server back up
    /// at the address the application was configured with.
    pub async fn start_on(port: u16) -> std::io::Result<SmtpServer> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            mode: watch::Sender::new(Mode::Accept),
            received: Mutex::new(Vec::new()),
            received_notify: Notify::new(),
            listener: Mutex::new(Some(listener)),
            connections: Mutex::new(Connections::default()),
        });
        let accept_task = tokio::spawn(accept_loop(Arc::clone(&shared))).abort_handle();
        Ok(SmtpServer { port, shared, accept_task })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:{port}` (plain SMTP, no TLS).
    pub fn url(&self) -> String {
        let port = self.port;
        format!("smtp://127.0.0.1:{port}")
    }

    /// Switches the behaviour; open sessions see it at their next stage.
    pub fn set_mode(&self, mode: Mode) {
        self.shared.mode.send_modify(|current| *current = mode);
    }

    /// Messages accepted with a final 250, in order.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.shared.received).clone()
    }

    /// The `Message-ID` of each received message that has one, in order.
    pub fn message_ids(&self) -> Vec<String> {
        lock(&self.shared.received).iter().filter_map(|message| message.message_id.clone()).collect()
    }

    /// Waits until at least `count` messages were received; false on timeout.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> bool {
        let shared = &self.shared;
        let reached = async {
            loop {
                // Register before checking, so a message recorded in between still wakes us.
                let notified = shared.received_notify.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if lock(&shared.received).len() >= count {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(timeout, reached).await.is_ok()
    }

    /// Stops accepting (the port is freed at once) and aborts the open connections,
    /// whose sockets close as soon as the runtime drops their tasks.
    pub fn stop(&self) {
        let listener = lock(&self.shared.listener).take();
        drop(listener);
        self.accept_task.abort();
        let handles = {
            let mut connections = lock(&self.shared.connections);
            connections.stopped = true;
            std::mem::take(&mut connections.handles)
        };
        for handle in handles {
            handle.abort();
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Locks a mutex, ignoring poisoning: a panicking test must not cascade into the server.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Accepts connections until `stop` takes the listener away.
async fn accept_loop(shared: Arc<Shared>) {
    loop {
        // Poll through the mutex (never held across an await) so that `stop` can
        // drop the listener while this task waits.
        let accepted = poll_fn(|cx| match lock(&shared.listener).as_ref() {
            Some(listener) => listener.poll_accept(cx).map(Some),
            None => Poll::Ready(None),
        })
        .await;
        match accepted {
            None => return,
            Some(Ok((stream, _peer))) => {
                let task = tokio::spawn(Session::new(stream, Arc::clone(&shared)).run());
                let mut connections = lock(&shared.connections);
                if connections.stopped {
                    task.abort();
                } else {
                    connections.handles.retain(|handle| !handle.is_finished());
                    connections.handles.push(task.abort_handle());
                }
            }
            // E.g. too many open files: back off briefly instead of spinning.
            Some(Err(_)) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// The session has ended (client gone, write failed, QUIT, or a deliberate close).
#[derive(Debug)]
struct Closed;

type Flow<T = ()> = Result<T, Closed>;

/// One SMTP session on one connection.
struct Session {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    shared: Arc<Shared>,
    mode: watch::Receiver<Mode>,
    /// Reverse path of the current transaction, once `MAIL FROM` was accepted.
    from: Option<String>,
    to: Vec<String>,
}

impl Session {
    fn new(stream: TcpStream, shared: Arc<Shared>) -> Session {
        // Replies go out at once, as a mail server's do: no waiting for the client's ACK.
        let _ = stream.set_nodelay(true);
        let (reader, writer) = stream.into_split();
        let mode = shared.mode.subscribe();
        Session { reader: BufReader::new(reader), writer, shared, mode, from: None, to: Vec::new() }
    }

    async fn run(mut self) {
        // Every way out is an end of session; dropping `self` closes the socket.
        let _ = self.serve().await;
    }

    async fn serve(&mut self) -> Flow {
        match self.mode().await? {
            Mode::Reply(code, Where::Connect) => {
                self.reply(code).await?;
                return Err(Closed);
            }
            _ => {
                self.send("220 localhost ESMTP fondilab test server\r\n").await?;
            }
        }
        loop {
            let line = self.read_line().await?;
            self.command(&line).await?;
        }
    }

    async fn command(&mut self, line: &str) -> Flow {
        let (verb, argument) = split_command(line);
        // Read the mode (waiting out `Hang`) before any answer.
        let mode = self.mode().await?;
        match verb.as_str() {
            "EHLO" => {
                self.reset();
                // No STARTTLS nor AUTH: the client must talk plain SMTP without login.
                self.send("250-localhost\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n").await
            }
            "HELO" => {
                self.reset();
                self.send("250 localhost\r\n").await
            }
            "MAIL" => self.mail(argument, &mode).await,
            "RCPT" => self.rcpt(argument, &mode).await,
            "DATA" => self.data(&mode).await,
            "RSET" => {
                self.reset();
                self.reply(250).await
            }
            "NOOP" => self.reply(250).await,
            "QUIT" => {
                self.reply(221).await?;
                Err(Closed)
            }
            "" => self.reply(500).await,
            _ => self.reply(502).await,
        }
    }

    async fn mail(&mut self, argument: &str, mode: &Mode) -> Flow {
        let Some(path) = parse_path(argument, "FROM:") else {
            return self.reply(501).await;
        };
        if self.from.is_some() {
            return self.reply(503).await;
        }
        let code = match *mode {
            Mode::Reply(code, Where::MailFrom) => code,
            _ => 250,
        };
        if code < 400 {
            self.from = Some(path.to_owned());
            self.to.clear();
        }
        self.reply(code).await
    }

    async fn rcpt(&mut self, argument: &str, mode: &Mode) -> Flow {
        let path = match parse_path(argument, "TO:") {
            Some(path) if !path.is_empty() => path,
            _ => return self.reply(501).await,
        };
        if self.from.is_none() {
            return self.reply(503).await;
        }
        let code = match *mode {
            Mode::Reply(code, Where::RcptTo) => code,
            _ => 250,
        };
        if code < 400 {
            self.to.push(path.to_owned());
        }
        self.reply(code).await
    }

    async fn data(&mut self, mode: &Mode) -> Flow {
        if self.from.is_none() || self.to.is_empty() {
            return self.reply(503).await;
        }
        self.reply(354).await?;
        if *mode == Mode::DropMidData {
            // Take the first line of the message, then vanish without a reply.
            self.read_line().await?;
            return Err(Closed);
        }
        let data = self.read_body().await?;
        // The transaction ends with the final reply, whatever it is.
        let from = self.from.take().unwrap_or_default();
        let to = std::mem::take(&mut self.to);
        // Read again: the mode may have changed while the body was streaming.
        let code = match self.mode().await? {
            Mode::Reply(code, Where::Data) => code,
            Mode::DropMidData => return Err(Closed),
            Mode::Slow(delay) => {
                tokio::select! {
                    () = tokio::time::sleep(delay) => 250,
                    // The client gave up (timeout, then QUIT or close): the message was
                    // never accepted with a 250, so it is not recorded.
                    () = client_input(&mut self.reader) => return Err(Closed),
                }
            }
            _ => 250,
        };
        if code < 400 {
            let message_id = message_id(&data);
            lock(&self.shared.received).push(Received { from, to, data, message_id });
            self.shared.received_notify.notify_waiters();
        }
        self.reply(code).await
    }

    /// Reads lines up to the lone ".", undoing dot-stuffing; lines end with CRLF.
    async fn read_body(&mut self) -> Flow<String> {
        let mut data = String::new();
        loop {
            let line = self.read_line().await?;
            if line == "." {
                return Ok(data);
            }
            // RFC 5321 4.5.2: a leading dot was added by the client; remove one.
            data.push_str(line.strip_prefix('.').unwrap_or(&line));
            data.push_str("\r\n");
        }
    }

    /// The current mode; while it is `Hang`, waits for a change.
    ///
    /// Any input from the client meanwhile (or its close) means it stopped waiting
    /// for this answer (PIPELINING is not advertised), so the session ends there.
    async fn mode(&mut self) -> Flow<Mode> {
        loop {
            let mode = self.mode.borrow_and_update().clone();
            if mode != Mode::Hang {
                return Ok(mode);
            }
            tokio::select! {
                changed = self.mode.changed() => changed.map_err(|_| Closed)?,
                () = client_input(&mut self.reader) => return Err(Closed),
            }
        }
    }

    fn reset(&mut self) {
        self.from = None;
        self.to.clear();
    }

    /// One line without its CRLF (or bare LF); invalid UTF-8 is replaced, not refused.
    async fn read_line(&mut self) -> Flow<String> {
        let mut line = Vec::new();
        match self.reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return Err(Closed),
            Ok(_) => {}
        }
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        Ok(String::from_utf8_lossy(&line).into_owned())
    }

    /// Answers `code` with a stock text. After 421 the server closes the channel,
    /// as RFC 5321 3.8 requires.
    async fn reply(&mut self, code: u16) -> Flow {
        let text = reply_text(code);
        self.send(&format!("{code} {text}\r\n")).await?;
        if code == 421 {
            return Err(Closed);
        }
        Ok(())
    }

    /// A failed write just ends the session.
    async fn send(&mut self, text: &str) -> Flow {
        self.writer.write_all(text.as_bytes()).await.map_err(|_| Closed)
    }
}

/// Completes when the client sends anything or closes, without consuming input.
async fn client_input(reader: &mut BufReader<OwnedReadHalf>) {
    let _ = reader.fill_buf().await;
}

/// Splits a command line into its upper-cased verb and the trimmed rest.
fn split_command(line: &str) -> (String, &str) {
    let line = line.trim();
    match line.split_once(|c: char| c.is_ascii_whitespace()) {
        Some((verb, rest)) => (verb.to_ascii_uppercase(), rest.trim()),
        None => (line.to_ascii_uppercase(), ""),
    }
}

/// The address in `FROM:<a@b> PARAMS` or `TO:<a@b>`, without angle brackets.
/// The keyword is matched case-insensitively; ESMTP parameters are ignored.
fn parse_path<'a>(argument: &'a str, keyword: &str) -> Option<&'a str> {
    let head = argument.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = argument.get(keyword.len()..)?.trim_start();
    match rest.strip_prefix('<') {
        Some(inner) => inner.find('>').map(|end| &inner[..end]),
        None => rest.split_ascii_whitespace().next(),
    }
}

/// The trimmed value of the `Message-ID` header (name case-insensitive, folded lines joined).
fn message_id(data: &str) -> Option<String> {
    let mut value: Option<String> = None;
    for line in data.split("\r\n") {
        if line.is_empty() {
            // End of the header section.
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(value) = value.as_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if value.is_some() {
            // The Message-ID header and its continuation lines are complete.
            break;
        }
        if let Some((name, rest)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("Message-ID") {
                value = Some(rest.trim().to_owned());
            }
        }
    }
    value.map(|value| value.trim().to_owned()).filter(|value| !value.is_empty())
}

/// Stock reply texts, so log lines and client errors read naturally.
fn reply_text(code: u16) -> &'static str {
    match code {
        221 => "localhost closing connection",
        250 => "OK",
        354 => "End data with <CR><LF>.<CR><LF>",
        421 => "localhost Service not available, closing transmission channel",
        450 => "Requested mail action not taken: mailbox unavailable",
        451 => "Requested action aborted: local error in processing",
        452 => "Requested action not taken: insufficient system storage",
        500 => "Syntax error, command unrecognized",
        501 => "Syntax error in parameters or arguments",
        502 => "Command not implemented",
        503 => "Bad sequence of commands",
        550 => "Requested action not taken: mailbox unavailable",
        552 => "Requested mail action aborted: exceeded storage allocation",
        553 => "Requested action not taken: mailbox name not allowed",
        554 => "Transaction failed",
        _ => "Reply configured by the test",
    }
}
