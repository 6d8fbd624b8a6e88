//! TestApp: the real application on a real socket, over a fresh database built by the real
//! migrations (SQLite file always; PostgreSQL when `TEST_DATABASE_URL` is set), with mail
//! kept in an in-memory mailbox (or sent to a real SMTP server where a test asks for one).

use std::{
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use fora::{
    AppState,
    accounts::service,
    admin::service::{NewForum, create_forum, create_theme},
    config::{Config, HttpLimits, NewsletterConfig, PasswordHashing, RateLimits},
    entities::{forums, users},
    mail::{Mailer, memory::MemoryOutbox},
    refusal::Refusal,
};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

pub const PASSWORD: &str = "correct horse battery";

/// Services a test needs but the machine may lack. In CI (`FORA_REQUIRE_SERVICES=1`) a
/// missing service fails the test instead of skipping it.
pub fn skip(test: &str, why: &str) -> bool {
    if std::env::var("FORA_REQUIRE_SERVICES").as_deref() == Ok("1") {
        panic!("{test}: required service missing: {why}");
    }
    // Written to the real stderr, past the test harness's capture, so it shows in every run.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
    true
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub state: AppState,
    pub database_url: String,
    pub base: String,
    /// Every message the app sent, unless the test asked for a real SMTP server.
    pub mailbox: Arc<MemoryOutbox>,
    /// The server secret's file: every instance of one test reads the same key.
    pub secret_key_file: PathBuf,
    _dir: tempfile::TempDir,
    server: tokio::task::JoinHandle<()>,
    _stop_listener: tokio::sync::watch::Sender<bool>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// How long a test waits for mail it expects (sending is in the background).
const MAIL_WAIT: Duration = Duration::from_secs(5);

static COUNTER: AtomicU32 = AtomicU32::new(0);

async fn fresh_postgres(admin_url: &str) -> String {
    let name = format!(
        "fora_t_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    let admin = Database::connect(admin_url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .expect("drop old test database");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    let mut url = url::Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

pub struct Options {
    pub smtp_url: Option<String>,
    /// `FORA_SMTP_CA_FILE`'s certificates (default: none, the system's roots only).
    pub smtp_ca: Vec<rustls::pki_types::CertificateDer<'static>>,
    pub limits: RateLimits,
    pub password_hashing: PasswordHashing,
    pub newsletter: NewsletterConfig,
    pub http: HttpLimits,
    /// `FORA_BASE_URL` (default: the test server's own `http://` address).
    pub base_url: Option<String>,
    /// The DKIM key that signs every message (default: none, mail unsigned).
    pub dkim: Option<fora::mail::dkim::DkimSigner>,
    /// `FORA_BOUNCE_DOMAIN` and `FORA_BOUNCE_THRESHOLD` (default: no return paths).
    pub bounces: fora::config::BounceConfig,
    /// `FORA_REPLY_DOMAIN` (default: none, notifications carry no `Reply-To`).
    pub reply_domain: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            smtp_url: None,
            smtp_ca: Vec::new(),
            limits: RateLimits {
                per_account: 1000,
                per_address: 10_000,
            },
            password_hashing: PasswordHashing::default(),
            newsletter: NewsletterConfig::default(),
            http: HttpLimits::default(),
            base_url: None,
            dkim: None,
            bounces: Default::default(),
            reply_domain: None,
        }
    }
}

impl TestApp {
    pub async fn start(backend: Backend, options: Options) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = match backend {
            Backend::Sqlite => {
                format!("sqlite://{}?mode=rwc", dir.path().join("fora.db").display())
            }
            Backend::Postgres => {
                fresh_postgres(&std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL"))
                    .await
            }
        };
        Self::start_on(database_url, dir, None, options).await
    }

    /// Another instance of the application on the same database (as behind a load balancer).
    pub async fn second_instance(&self) -> TestApp {
        self.second_instance_with(Options::default()).await
    }

    /// [`TestApp::second_instance`] with its own options (its SMTP server, newsletter settings).
    pub async fn second_instance_with(&self, options: Options) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = Some(self.secret_key_file.clone());
        Self::start_on(self.database_url.clone(), dir, key, options).await
    }

    /// `secret_key_file`: the key of the instance this one joins; none for a first instance,
    /// which creates its own in its data folder.
    async fn start_on(
        database_url: String,
        dir: tempfile::TempDir,
        secret_key_file: Option<PathBuf>,
        options: Options,
    ) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let config = Config {
            database_url: database_url.clone(),
            bind: addr,
            base_url: options
                .base_url
                .clone()
                .unwrap_or_else(|| format!("http://{addr}")),
            smtp_url: options.smtp_url,
            smtp_ca: options.smtp_ca,
            outbox_dir: dir.path().join("outbox"),
            from: "Fora <fora@example.org>".into(),
            dkim: options.dkim,
            trust_proxy: false,
            limits: options.limits,
            password_hashing: options.password_hashing,
            daily_summary_hour: 6,
            newsletter: options.newsletter,
            http: options.http.clone(),
            data_dir: dir.path().join("data"),
            secret_key_file: secret_key_file.clone(),
            bounces: options.bounces,
            reply_domain: options.reply_domain,
        };
        let secret_key_file =
            secret_key_file.unwrap_or_else(|| dir.path().join("data").join("secret.key"));
        let (memory, mailbox) = Mailer::memory();
        let state = match config.smtp_url {
            Some(_) => fora::init(config).await,
            None => fora::init_with_mailer(config, memory).await,
        }
        .expect("init app");
        let app = fora::app(state.clone());
        let server = tokio::spawn(fora::web::server::serve(
            listener,
            app,
            options.http,
            std::future::pending(),
        ));
        let (stop_listener, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(fora::jobs::listen_for_changes(
            state.clone(),
            stopped.clone(),
        ));
        tokio::spawn({
            let state = state.clone();
            async move { fora::mail::queue::run(state.mail_sender(), &state.wake_mail, stopped).await }
        });
        TestApp {
            state,
            database_url,
            _stop_listener: stop_listener,
            base: format!("http://{addr}"),
            mailbox,
            secret_key_file,
            _dir: dir,
            server,
        }
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    /// The token of a subscriber's unsubscribe and manage links, as mail carries it.
    pub fn newsletter_token(&self, row: &fora::entities::subscribers::Model) -> String {
        self.newsletter_token_for(row.id, &row.link_salt)
    }

    /// [`TestApp::newsletter_token`] for the subscriber `id` whose link salt is `link_salt`.
    pub fn newsletter_token_for(&self, id: i32, link_salt: &str) -> String {
        fora::link_tokens::issue(
            &self.state.secret,
            fora::link_tokens::Purpose::Newsletter,
            id,
            link_salt,
        )
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    pub async fn user(&self, email: &str, name: &str) -> users::Model {
        self.account(email, name, false).await
    }

    pub async fn admin(&self) -> users::Model {
        self.account("admin@example.org", "Admin", true).await
    }

    async fn account(&self, email: &str, name: &str, admin: bool) -> users::Model {
        let hash = self
            .state
            .hashing
            .hash(PASSWORD.into())
            .await
            .expect("hash");
        service::create_user(self.db(), email, name, Some(hash), admin)
            .await
            .expect("create user")
    }

    pub async fn forum(&self, slug: &str, moderation: &str) -> forums::Model {
        let theme = format!("theme-{slug}");
        // A second forum of the same slug reuses its theme.
        if let Err(Refusal::Db(err)) = create_theme(self.db(), &theme, "Agriculture").await {
            panic!("theme: {err}");
        }
        create_forum(
            self.db(),
            NewForum {
                slug,
                title: &format!("Forum {slug}"),
                theme_slug: &theme,
                purpose: "Share what works.",
                expected_outcome: "A list of good practices.",
                moderation,
                language: "en",
            },
        )
        .await
        .expect("valid forum")
    }

    pub async fn join(&self, forum: &forums::Model, user: &users::Model, role: &str) {
        let role =
            fora::entities::states::MemberRole::from_form(role).expect("member or moderator");
        service::grant_membership(self.db(), forum.id, user.id, role)
            .await
            .expect("membership");
    }

    /// A forum with a moderator and a member, both signed in.
    pub async fn with_forum(
        &self,
        slug: &str,
        moderation: &str,
    ) -> (forums::Model, Client, Client) {
        let forum = self.forum(slug, moderation).await;
        let moderator = self
            .user(&format!("mod-{slug}@example.org"), "Moderator Mo")
            .await;
        let member = self
            .user(&format!("member-{slug}@example.org"), "Member Mia")
            .await;
        self.join(&forum, &moderator, "moderator").await;
        self.join(&forum, &member, "member").await;
        let moderator = self.login(&moderator.email).await;
        let member = self.login(&member.email).await;
        (forum, moderator, member)
    }

    pub async fn login(&self, email: &str) -> Client {
        let client = self.client();
        let response = client
            .post(
                "/login",
                &[
                    ("email", email),
                    ("password", PASSWORD),
                    ("next", "/forums"),
                ],
            )
            .await;
        assert_eq!(
            response.status, 303,
            "login of {email} failed: {}",
            response.body
        );
        // Signing in rotates the CSRF token: pick up the new one as a browser would.
        client.get("/profile").await.assert_status(200);
        client
    }

    /// Every message sent so far, oldest first.
    pub fn sent_mails(&self) -> Vec<Mail> {
        self.mailbox
            .messages()
            .iter()
            .map(|m| parse_mail(m))
            .collect()
    }

    /// Messages sent, waiting up to 5 s for at least `count` of them.
    pub async fn mails(&self, count: usize) -> Vec<Mail> {
        let mails: Vec<Mail> = self
            .mailbox
            .wait_until(MAIL_WAIT, |sent| sent.len() >= count)
            .await
            .iter()
            .map(|m| parse_mail(m))
            .collect();
        assert!(
            mails.len() >= count,
            "expected {count} mails, found {}: {:?}",
            mails.len(),
            mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
        );
        mails
    }

    pub async fn mails_to(&self, address: &str, count: usize) -> Vec<Mail> {
        let to = |sent: &[Vec<u8>]| -> Vec<Mail> {
            sent.iter()
                .map(|m| parse_mail(m))
                .filter(|m| m.to == address)
                .collect()
        };
        let mails = to(&self
            .mailbox
            .wait_until(MAIL_WAIT, |sent| to(sent).len() >= count)
            .await);
        assert!(
            mails.len() >= count,
            "expected {count} mails to {address}, found {}",
            mails.len()
        );
        mails
    }

    pub fn mail_count(&self) -> usize {
        self.mailbox.len()
    }

    pub async fn sql(&self, sql: &str) {
        self.db().execute_unprepared(sql).await.expect("sql");
    }
}

#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub raw: String,
}

impl Mail {
    /// The first link in the text part that starts with `base + path_prefix`.
    pub fn link(&self, path_prefix: &str) -> String {
        let re = regex::Regex::new(r"https?://[^\s<>]+").expect("regex");
        re.find_iter(&self.text)
            .map(|m| m.as_str().to_string())
            .find(|l| l.contains(path_prefix))
            .unwrap_or_else(|| panic!("no link containing {path_prefix} in: {}", self.text))
    }
}

pub fn parse_mail(raw: &[u8]) -> Mail {
    let message = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("parse mail");
    Mail {
        to: message
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_string(),
        subject: message.subject().unwrap_or_default().to_string(),
        text: message
            .body_text(0)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        html: message
            .body_html(0)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        raw: String::from_utf8_lossy(raw).to_string(),
    }
}

pub struct Response {
    pub status: u16,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Response {
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body: {}",
            &self.body[..self.body.len().min(2000)]
        );
        self
    }
}

/// A browser-like client: cookie jar, no automatic redirects, and the CSRF token of the last
/// page it saw added to every form it posts.
pub struct Client {
    base: String,
    http: reqwest::Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
    csrf: std::sync::Mutex<Option<String>>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Self::build(base, None)
    }

    /// A client whose connections come from another loopback address (127.0.0.2, …), as a
    /// visitor elsewhere on the internet would for the server's per-address limits.
    pub fn from_address(base: &str, address: std::net::IpAddr) -> Client {
        Self::build(base, Some(address))
    }

    fn build(base: &str, local_address: Option<std::net::IpAddr>) -> Client {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        Client {
            base: base.to_string(),
            jar: jar.clone(),
            http: reqwest::Client::builder()
                .cookie_provider(jar)
                .redirect(reqwest::redirect::Policy::none())
                .local_address(local_address)
                .build()
                .expect("http client"),
            csrf: std::sync::Mutex::new(None),
        }
    }

    /// The `Cookie` header this client would send (to replay a session elsewhere).
    pub fn cookie_header(&self) -> String {
        use reqwest::cookie::CookieStore;
        let url = reqwest::Url::parse(&self.base).expect("base url");
        self.jar
            .cookies(&url)
            .and_then(|v| v.to_str().ok().map(str::to_string))
            .unwrap_or_default()
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    async fn finish(&self, response: reqwest::Response) -> Response {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let location = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.text().await.unwrap_or_default();
        if let Some(token) = extract_csrf(&body) {
            *self.csrf.lock().expect("lock") = Some(token);
        }
        Response {
            status,
            location,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        let response = self.http.get(self.url(path)).send().await.expect("GET");
        self.finish(response).await
    }

    pub async fn token(&self) -> String {
        let current = self.csrf.lock().expect("lock").clone();
        match current {
            Some(token) => token,
            None => {
                self.get("/login").await;
                self.csrf.lock().expect("lock").clone().unwrap_or_default()
            }
        }
    }

    /// Posts a form with this session's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.token().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        self.post_raw(path, &form).await
    }

    /// Posts exactly these fields (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let response = self
            .http
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST");
        self.finish(response).await
    }

    pub async fn post_body(&self, path: &str, body: Vec<u8>) -> Response {
        let response = self
            .http
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST");
        self.finish(response).await
    }
}

pub fn extract_csrf(body: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    let token = &body[start..end];
    (!token.is_empty()).then(|| token.to_string())
}

/// Runs a scenario on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set; with
/// `options = path::to_fn;` first, each app starts with the `Options` that function returns.
#[macro_export]
macro_rules! on_both_databases {
    (options = $options:path; $($name:ident),* $(,)?) => {
        $(
            mod $name {
                // The options function may be the calling module's own.
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = $crate::support::TestApp::start($crate::support::Backend::Sqlite, $options()).await;
                    super::$name(app).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if std::env::var("TEST_DATABASE_URL").is_err() {
                        $crate::support::skip(concat!(stringify!($name), "::postgres"), "TEST_DATABASE_URL is not set");
                        return;
                    }
                    let app = $crate::support::TestApp::start($crate::support::Backend::Postgres, $options()).await;
                    super::$name(app).await;
                }
            }
        )*
    };
    ($($name:ident),* $(,)?) => {
        $crate::on_both_databases!(options = $crate::support::Options::default; $($name),*);
    };
}

/// An active, confirmed subscriber row with no account, ready to insert; override fields with
/// struct update syntax (`subscribers::ActiveModel { user_id: Set(Some(7)), ..row }`).
pub fn subscriber_row(
    email: &str,
    frequency: &str,
    link_salt: &str,
) -> fora::entities::subscribers::ActiveModel {
    use sea_orm::ActiveValue::Set;
    let at = fora::db::now();
    fora::entities::subscribers::ActiveModel {
        email: Set(email.into()),
        user_id: Set(None),
        frequency: Set(fora::entities::states::Frequency::parse(frequency).expect("a frequency")),
        language: Set("en".into()),
        status: Set(fora::entities::states::SubscriberStatus::Active),
        link_salt: Set(link_salt.into()),
        confirm_token_hash: Set(None),
        confirm_expires_at: Set(None),
        confirm_sent_at: Set(None),
        confirmed_at: Set(Some(at)),
        unsubscribed_at: Set(None),
        permanent_failures: Set(0),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
}

/// An edition row for the week ending at `period_end`, in the given state, ready to insert.
pub fn edition_row(
    frequency: &str,
    period_end: time::OffsetDateTime,
    status: &str,
) -> fora::entities::editions::ActiveModel {
    use sea_orm::ActiveValue::Set;
    fora::entities::editions::ActiveModel {
        frequency: Set(fora::entities::states::Frequency::parse(frequency).expect("a frequency")),
        period_start: Set(period_end - time::Duration::days(7)),
        period_end: Set(period_end),
        scheduled_for: Set(period_end),
        status: Set(
            fora::entities::states::EditionStatus::parse(status).expect("an edition status")
        ),
        subject: Set(format!("Fora {frequency}")),
        intro_md: Set(String::new()),
        intro_html: Set(String::new()),
        recipients: Set(0),
        created_at: Set(period_end),
        updated_at: Set(period_end),
        ..Default::default()
    }
}
