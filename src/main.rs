//! The `fora` command line: serve, migrate, and the set-up commands a deployment script needs.

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use fora::mail::inbound::{self, Outcome};
use fora::web::paths;
use fora::{
    accounts,
    admin::service as admin_service,
    config::Config,
    entities::states::{Frequency, LearningStatus, MemberRole},
    forums::members,
    transfer::{
        export,
        import::{self, Format, Kind},
    },
};
use fora::{refusal::Refusal, web::forms::FieldProblem};
use migration::MigratorTrait;
use tokio::sync::watch;

#[derive(Parser)]
#[command(
    name = "fora",
    version,
    about = "Fora: forums, learnings and a newsletter for people working against child labour"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database, then serve HTTP on FORA_BIND and run background jobs.
    Serve,
    /// Bring the database schema up to date.
    Migrate,
    /// Manage administrators.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Manage themes.
    Theme {
        #[command(subcommand)]
        command: ThemeCommand,
    },
    /// Manage forums.
    Forum {
        #[command(subcommand)]
        command: ForumCommand,
    },
    /// Invite someone to a forum by email and print the invitation link.
    Invite {
        email: String,
        #[arg(long)]
        forum: String,
        #[arg(long, value_enum, default_value_t = MemberRole::Member)]
        role: MemberRole,
        /// Language of the invitation email; by default the forum's.
        #[arg(long, value_parser = ["en", "fr", "es"])]
        language: Option<String>,
    },
    /// Import learnings or knowledge products from a CSV or JSON file (idempotent).
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Export learnings or knowledge products as CSV or JSON, in the columns imports read.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Fill an empty database with themes, forums, members, discussions, learnings and
    /// products for a first look.
    Demo,
    /// Preview editions and send what is due.
    Newsletter {
        #[command(subcommand)]
        command: NewsletterCommand,
    },
    /// The learnings search index (in FORA_DATA_DIR/search-index).
    Search {
        #[command(subcommand)]
        command: SearchCommand,
    },
    /// Read one message on standard input, as an MTA's pipe transport delivers it: a bounce
    /// sent to a return path of FORA_BOUNCE_DOMAIN, or a member's reply to a notification
    /// sent to a reply address of FORA_REPLY_DOMAIN. Exits 0 when done (a reply posted, or
    /// refused and the member told why), 65 when the input is not a message or is larger than
    /// 10 MiB, 67 when the address is not one of Fora's, 75 when the MTA should try again
    /// later.
    MailIn {
        /// The address the message was delivered to (Postfix: `${recipient}`); by default the
        /// message's X-Original-To, Delivered-To or To header.
        #[arg(long)]
        recipient: Option<String>,
        /// The envelope sender (Postfix: `${sender}`, empty for a delivery report). A reply
        /// is checked against its From address, else against this one.
        #[arg(long)]
        sender: Option<String>,
    },
}

#[derive(Subcommand)]
enum SearchCommand {
    /// Rebuild this instance's search index from the database. When a server is running on
    /// the same data folder, it is asked to rebuild instead (and so is every instance sharing
    /// the database).
    Reindex,
}

#[derive(Subcommand)]
enum NewsletterCommand {
    /// Print an edition as one subscriber would get it (headers, then the HTML part, or the
    /// plain-text part with --text). Without --edition: the current edition of the frequency
    /// (the one due now, else the next one, composed if need be).
    Preview {
        /// The edition's number (see /admin/newsletter).
        #[arg(long, conflicts_with = "frequency")]
        edition: Option<i32>,
        #[arg(long, value_enum, default_value_t = Frequency::Weekly)]
        frequency: Frequency,
        /// The subscriber's email address.
        #[arg(long)]
        to: String,
        /// Print the plain-text part instead of the HTML part.
        #[arg(long)]
        text: bool,
    },
    /// Compose and queue the editions that are due, then send everything due now and print
    /// what happened.
    SendDue,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import learnings (required column: description).
    Learnings(ImportArgs),
    /// Import knowledge products (required columns: title, summary).
    Products(ImportArgs),
}

#[derive(clap::Args)]
struct ImportArgs {
    /// A .csv or .json file, UTF-8, at most 20 MiB.
    file: std::path::PathBuf,
    /// Status of the items the import creates (products: published or draft).
    #[arg(long, value_enum, default_value_t = ImportStatus::Published)]
    status: ImportStatus,
    /// Import the valid rows even when others are rejected (by default nothing is written).
    #[arg(long)]
    skip_invalid: bool,
    /// The file's format, when its name does not end in .csv or .json.
    #[arg(long, value_parser = ["csv", "json"])]
    format: Option<String>,
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Export learnings.
    Learnings(ExportArgs),
    /// Export knowledge products.
    Products(ExportArgs),
}

#[derive(clap::Args)]
struct ExportArgs {
    /// csv or json (default: from the output file's name, else csv).
    #[arg(long, value_parser = ["csv", "json"])]
    format: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<std::path::PathBuf>,
    /// Only items in this workflow state (default: all; products have no in_review).
    #[arg(long, value_enum)]
    status: Option<LearningStatus>,
}

/// The statuses `fora import --status` offers: a learning's, except retired (a product takes
/// published or draft; the import refuses in_review for products).
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ImportStatus {
    Published,
    #[value(name = "in_review")]
    InReview,
    Draft,
}

impl ImportStatus {
    fn word(self) -> &'static str {
        match self {
            ImportStatus::Published => LearningStatus::Published.as_str(),
            ImportStatus::InReview => LearningStatus::InReview.as_str(),
            ImportStatus::Draft => LearningStatus::Draft.as_str(),
        }
    }
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an administrator and print a one-time link to set the password.
    Create {
        #[arg(long)]
        email: String,
        /// The name others will see (asked for at a terminal when not given; the
        /// set-password page lets the person change it).
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Subcommand)]
enum ThemeCommand {
    Create {
        slug: String,
        /// The theme's name in English.
        #[arg(long)]
        name: String,
        /// Its name in French (English is shown where it is missing).
        #[arg(long)]
        name_fr: Option<String>,
        /// Its name in Spanish (English is shown where it is missing).
        #[arg(long)]
        name_es: Option<String>,
    },
}

#[derive(Subcommand)]
enum ForumCommand {
    Create {
        slug: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        theme: String,
        #[arg(long, default_value = "post", value_parser = ["pre", "post"])]
        moderation: String,
        #[arg(long, default_value = "")]
        purpose: String,
        #[arg(long, default_value = "")]
        outcome: String,
        /// The language the forum is held in (its invitations' default).
        #[arg(long, default_value = "en", value_parser = ["en", "fr", "es"])]
        language: String,
    },
}

fn init_logging() {
    use tracing_subscriber::{EnvFilter, fmt};
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("fora=info,tower_http=warn,sqlx=warn"));
    if std::env::var("FORA_LOG_FORMAT").as_deref() == Ok("json") {
        fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .json()
            .init();
    } else {
        fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_logging();
    let cli = Cli::parse();
    if let Command::MailIn { recipient, sender } = &cli.command {
        std::process::exit(mail_in(recipient.as_deref(), sender.as_deref()).await);
    }
    let config = Config::from_env()?;
    match cli.command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let db = fora::db::connect(&config.database_url)
                .await
                .context("cannot open the database")?;
            migration::Migrator::up(&db, None).await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Create { email, name },
        } => create_admin(config, &email, name).await,
        Command::Theme {
            command:
                ThemeCommand::Create {
                    slug,
                    name,
                    name_fr,
                    name_es,
                },
        } => {
            let state = fora::init(config).await?;
            // Both or neither: a refused translation leaves no theme behind.
            let txn = fora::db::begin_write(&state.db).await?;
            let created = match admin_service::create_theme(&txn, &slug, &name).await {
                Ok(theme) => {
                    admin_service::translate_theme(
                        &txn,
                        theme,
                        name_fr.as_deref().unwrap_or_default(),
                        name_es.as_deref().unwrap_or_default(),
                    )
                    .await
                }
                Err(refusal) => Err(refusal),
            };
            match created {
                Ok(theme) => {
                    txn.commit().await?;
                    println!("Theme {} created.", theme.slug);
                }
                Err(Refusal::Refused(problem)) => bail!(refusal_text(problem)),
                Err(Refusal::Db(err)) => return Err(err.into()),
            }
            Ok(())
        }
        Command::Forum {
            command:
                ForumCommand::Create {
                    slug,
                    title,
                    theme,
                    moderation,
                    purpose,
                    outcome,
                    language,
                },
        } => {
            let state = fora::init(config).await?;
            let new = admin_service::NewForum {
                slug: &slug,
                title: &title,
                theme_slug: &theme,
                purpose: &purpose,
                expected_outcome: &outcome,
                moderation: &moderation,
                language: &language,
            };
            match admin_service::create_forum(&state.db, new).await {
                Ok(forum) => println!("Forum {} created.", forum.slug),
                Err(Refusal::Refused(problem)) => bail!(refusal_text(problem)),
                Err(Refusal::Db(err)) => return Err(err.into()),
            }
            Ok(())
        }
        Command::Invite {
            email,
            forum,
            role,
            language,
        } => invite(config, &email, &forum, role, language.as_deref()).await,
        Command::Import { command } => {
            let (kind, args) = match command {
                ImportCommand::Learnings(args) => (Kind::Learnings, args),
                ImportCommand::Products(args) => (Kind::Products, args),
            };
            import(config, kind, args).await
        }
        Command::Export { command } => {
            let (kind, args) = match command {
                ExportCommand::Learnings(args) => (Kind::Learnings, args),
                ExportCommand::Products(args) => (Kind::Products, args),
            };
            export(config, kind, args).await
        }
        Command::Demo => {
            let state = fora::init(config).await?;
            fora::demo::fill(&state).await
        }
        Command::Newsletter { command } => newsletter(config, command).await,
        Command::MailIn { .. } => unreachable!("handled before the configuration is read"),
        Command::Search {
            command: SearchCommand::Reindex,
        } => reindex(config).await,
    }
}

async fn reindex(config: Config) -> anyhow::Result<()> {
    let state = fora::init(config).await?;
    let started = std::time::Instant::now();
    match state.search.reindex().await? {
        fora::search::Reindexed::Built(count) => println!(
            "Search index rebuilt in {}: {count} learnings, {:.1} s.",
            state.search.dir().display(),
            started.elapsed().as_secs_f64()
        ),
        fora::search::Reindexed::Requested => println!(
            "A running server owns {}; it (and every instance sharing the database) will rebuild its index now.",
            state.search.dir().display()
        ),
    }
    Ok(())
}

/// A refusal as the command line says it: the field and the English explanation.
fn refusal_text(problem: FieldProblem) -> String {
    format!(
        "{}: {}",
        problem.field,
        templates::i18n::t("en", problem.key)
    )
}

async fn newsletter(config: Config, command: NewsletterCommand) -> anyhow::Result<()> {
    use fora::newsletter::{deliver, editions, schedule};
    let state = fora::init(config).await?;
    match command {
        NewsletterCommand::Preview {
            edition,
            frequency,
            to,
            text,
        } => {
            let edition_id = match edition {
                Some(id) => id,
                None => {
                    schedule::current_edition(&state.db, &state.config, frequency, fora::db::now())
                        .await?
                        .context("no edition for this frequency")?
                        .id
                }
            };
            let email =
                match editions::preview(&state.db, &state.config, &state.secret, edition_id, &to)
                    .await?
                {
                    editions::Preview::Message(email, _) => email,
                    editions::Preview::NoEdition => bail!("there is no edition {edition_id}"),
                    editions::Preview::Unknown => bail!("no subscriber has the address {to}"),
                    editions::Preview::Inactive => {
                        bail!("{to} is not an active subscriber: they get nothing")
                    }
                    editions::Preview::Nothing => {
                        bail!("edition {edition_id} has nothing for {to}: they get no message")
                    }
                };
            println!("From: {}", state.config.from);
            println!("To: {}", email.to);
            println!("Subject: {}", email.subject);
            if let Some(message_id) = &email.message_id {
                println!("Message-ID: <{message_id}>");
            }
            if let Some(list) = &email.list {
                println!("List-Id: {}", list.list_id);
                println!("List-Unsubscribe: <{}>", list.unsubscribe_url);
                println!("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
                if let Some(reply_to) = &list.reply_to {
                    println!("Reply-To: {reply_to}");
                }
            }
            println!();
            println!("{}", if text { &email.text } else { &email.html });
            Ok(())
        }
        NewsletterCommand::SendDue => {
            schedule::tick(&state).await?;
            let summary = deliver::drain(&state).await?;
            println!("{summary}");
            Ok(())
        }
    }
}

/// Prints the report on standard output; a refused file or rejected rows also fail the command
/// (exit code 1) with the outcome on standard error. A running server sees the new items after
/// its next change (its caches are per epoch); see the README.
async fn import(config: Config, kind: Kind, args: ImportArgs) -> anyhow::Result<()> {
    let state = fora::init(config).await?;
    let options = import::Options {
        status: Some(args.status.word().to_string()),
        skip_invalid: args.skip_invalid,
        actor_id: None,
        source_name: args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let format = args.format.as_deref().and_then(Format::from_name);
    let report = import::import_path(&state.db, kind, &args.file, format, &options).await?;
    print!("{}", report.to_text("en"));
    if !report.is_clean() {
        bail!("{}", report.summary("en"));
    }
    Ok(())
}

async fn export(config: Config, kind: Kind, args: ExportArgs) -> anyhow::Result<()> {
    use std::io::Write;
    let format = args
        .format
        .as_deref()
        .and_then(Format::from_name)
        .or_else(|| {
            args.output
                .as_deref()
                .and_then(|p| Format::from_file_name(&p.to_string_lossy()))
        })
        .unwrap_or(Format::Csv);
    let status = args.status.map(LearningStatus::as_str);
    if let Some(status) = status
        && !kind.statuses().contains(&status)
    {
        bail!(
            "{} have no status {status}; use one of: {}",
            kind.name(),
            kind.statuses().join(", ")
        );
    }
    let state = fora::init(config).await?;
    let count = match &args.output {
        Some(path) => {
            // Written beside the target and renamed at the end: a failed export leaves no
            // half-written file under the name asked for.
            let mut partial = path.clone().into_os_string();
            partial.push(".partial");
            let partial = std::path::PathBuf::from(partial);
            let file = std::fs::File::create(&partial)
                .with_context(|| format!("cannot write {}", partial.display()))?;
            let mut out = std::io::BufWriter::new(file);
            let written = export::write_to(
                &state.db,
                kind,
                format,
                status.map(str::to_string),
                &mut out,
            )
            .await;
            let count = match written {
                Ok(count) => count,
                Err(error) => {
                    drop(out);
                    let _ = std::fs::remove_file(&partial);
                    return Err(error);
                }
            };
            out.into_inner()
                .map_err(|e| e.into_error())
                .and_then(|file| file.sync_all())
                .with_context(|| format!("cannot write {}", partial.display()))?;
            std::fs::rename(&partial, path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            count
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let count = export::write_to(
                &state.db,
                kind,
                format,
                status.map(str::to_string),
                &mut out,
            )
            .await?;
            out.flush()?;
            count
        }
    };
    eprintln!(
        "{}",
        templates::i18n::plural(
            "en",
            match kind {
                Kind::Learnings => "import.exported_learnings",
                Kind::Products => "import.exported_products",
            },
            count
        )
    );
    Ok(())
}

async fn create_admin(config: Config, email: &str, name: Option<String>) -> anyhow::Result<()> {
    let state = fora::init(config).await?;
    let email = fora::web::forms::email(email)
        .map_err(|_| anyhow::anyhow!("{email:?} is not a valid email address"))?;
    if accounts::service::find_by_email(&state.db, &email)
        .await?
        .is_some()
    {
        bail!("an account with {email} already exists");
    }
    let guess = email.split('@').next().unwrap_or("admin").to_string();
    let name = match name {
        Some(name) => name,
        None => ask_display_name(&guess)?,
    };
    let name = fora::web::forms::single_line(&name, fora::web::forms::NAME_MAX).map_err(|_| {
        anyhow::anyhow!(
            "{name:?} is not a usable display name (one line, at most {} characters)",
            fora::web::forms::NAME_MAX
        )
    })?;
    let user = accounts::service::create_user(&state.db, &email, &name, None, true).await?;
    let token = accounts::service::create_password_token(
        &state.db,
        user.id,
        "setup",
        accounts::service::SETUP_LIFETIME,
    )
    .await?;
    println!(
        "Administrator {} <{email}> created. Set the password within 24 hours at:",
        user.display_name
    );
    println!("{}", state.config.absolute(&paths::password_reset(&token)));
    Ok(())
}

/// The name others will see, asked for when a person runs the command at a terminal (an
/// administrator otherwise shows as the first part of the address, as "rita.reviewer" did);
/// `guess` when nothing is typed or nobody is there to ask. The set-password page asks again.
fn ask_display_name(guess: &str) -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal, Write};
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Ok(guess.to_string());
    }
    print!("Display name, as others will see it [{guess}]: ");
    std::io::stdout().flush()?;
    let mut typed = String::new();
    stdin.lock().read_line(&mut typed)?;
    let typed = typed.trim();
    Ok(if typed.is_empty() { guess } else { typed }.to_string())
}

async fn invite(
    config: Config,
    email: &str,
    forum_slug: &str,
    role: MemberRole,
    language: Option<&str>,
) -> anyhow::Result<()> {
    let state = fora::init(config).await?;
    let email = fora::web::forms::email(email)
        .map_err(|_| anyhow::anyhow!("{email:?} is not a valid email address"))?;
    let forum = fora::forums::queries::forum_with_slug(&state.db, forum_slug)
        .await?
        .with_context(|| format!("no forum named {forum_slug}"))?;
    let link = members::invite(&state, None, &forum, &email, role, language).await?;
    let summary = fora::mail::queue::drain(state.mail_sender()).await?;
    if summary.sent > 0 {
        println!("Invitation sent to {email}. Link (valid 7 days):\n{link}");
    } else {
        println!(
            "Invitation queued for {email}: `fora serve` sends it once the mail server answers. Link (valid 7 days):\n{link}"
        );
    }
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let bind = config.bind;
    let state = fora::init(config).await?;
    state.search.start().await?;
    fora::security::password_hashing::warm_up();
    accounts::password_rules::warm_up();
    if let Some(link) = accounts::setup::prepare_first_run(&state).await? {
        println!(
            "\nFora has no accounts yet. Create the first administrator here (works once, while this server runs):\n{link}\n"
        );
    }
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    fora::config::mail::MailNotice::new(
        state.config.smtp_url.as_deref(),
        &state.config.outbox_dir,
        state.config.dkim.as_ref(),
    )
    .log();
    tracing::info!(address = %listener.local_addr()?, "Fora is listening");
    let (stop_jobs, jobs_stopped) = watch::channel(false);
    let jobs = tokio::spawn(fora::jobs::run(state.clone(), jobs_stopped.clone()));
    let newsletter = tokio::spawn(fora::newsletter::deliver::run(
        state.clone(),
        jobs_stopped.clone(),
    ));
    let mail = tokio::spawn({
        let (state, stop) = (state.clone(), jobs_stopped.clone());
        async move { fora::mail::queue::run(state.mail_sender(), &state.wake_mail, stop).await }
    });
    let change_listener = tokio::spawn(fora::jobs::listen_for_changes(state.clone(), jobs_stopped));
    // Posts rendered by an older renderer are rendered again, while the server already serves.
    let rerender = tokio::spawn(fora::forums::rerender::run(state.clone()));
    let limits = state.config.http.clone();
    fora::web::server::serve(listener, fora::app(state), limits, shutdown_signal()).await;
    let _ = stop_jobs.send(true);
    let _ = jobs.await;
    let _ = newsletter.await;
    let _ = mail.await;
    let _ = change_listener.await;
    // Batches already committed stay done; the next start goes on.
    rerender.abort();
    tracing::info!("Fora stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down");
}

const EX_DATAERR: i32 = 65;
const EX_TEMPFAIL: i32 = 75;

/// `fora mail-in`: reads, handles and logs one message; returns the exit status (sysexits).
async fn mail_in(recipient: Option<&str>, sender: Option<&str>) -> i32 {
    let raw = match inbound::read_limited(std::io::stdin().lock(), inbound::MAX_BYTES) {
        Ok(Some(raw)) => raw,
        Ok(None) => {
            tracing::warn!(
                limit = inbound::MAX_BYTES,
                "mail-in: message too large, refused"
            );
            return EX_DATAERR;
        }
        Err(err) => {
            tracing::warn!(error = %err, "mail-in: cannot read standard input");
            return EX_TEMPFAIL;
        }
    };
    match mail_in_handle(&raw, recipient, sender).await {
        Ok(outcome) => {
            match &outcome {
                Outcome::Counted { .. }
                | Outcome::Posted { .. }
                | Outcome::Refused { .. }
                | Outcome::Ignored(_) => {
                    tracing::info!(?outcome, "mail-in")
                }
                Outcome::Malformed(_) | Outcome::UnknownAddress(_) => {
                    tracing::warn!(?outcome, "mail-in: refused")
                }
            }
            i32::from(outcome.exit_code())
        }
        Err(err) => {
            tracing::warn!(error = %format!("{err:#}"), "mail-in: try again later");
            EX_TEMPFAIL
        }
    }
}

/// Everything that can fail here (the settings, the key, the database) may work on the MTA's
/// next try, so each failure is a temporary one and the message stays in its queue.
async fn mail_in_handle(
    raw: &[u8],
    recipient: Option<&str>,
    sender: Option<&str>,
) -> anyhow::Result<Outcome> {
    let config = Config::from_env()?;
    let secret =
        fora::secret::ServerSecret::load(config.secret_key_file.as_deref(), &config.data_dir)?;
    let return_path = config
        .bounces
        .domain
        .as_deref()
        .map(|domain| fora::mail::verp::ReturnPath::new(domain, &secret));
    let reply = config
        .reply_domain
        .as_deref()
        .map(|domain| fora::mail::reply_address::ReplyAddress::new(domain, &secret));
    let addresses = inbound::Addresses {
        return_path: return_path.as_ref(),
        reply: reply.as_ref(),
    };
    let action = match inbound::read(addresses, raw, recipient, sender) {
        Ok(action) => action,
        Err(outcome) => return Ok(outcome),
    };
    let db = fora::db::connect(&config.database_url).await?;
    let outcome = match action {
        inbound::Action::CountBounce {
            holder,
            severity,
            reason,
        } => {
            inbound::act(
                &db,
                config.bounces.threshold_points,
                holder,
                severity,
                reason,
            )
            .await?
        }
        inbound::Action::Reply(reply) => {
            // The web's own services post it, so they get the state they run with. Its mail
            // only goes to the queue, which the server's worker sends: nothing is sent from
            // here, so the mailer is never used.
            let (mailer, _) = fora::mail::Mailer::memory();
            let state =
                fora::web::AppState::new(db.clone(), config, mailer, secret, fora::features());
            fora::forums::by_mail::receive(&state, reply).await?
        }
    };
    // Running servers cache signed-in members: tell those on PostgreSQL at once (on SQLite a
    // server sees the change after its next write or within the caches' five minutes).
    if outcome.changed()
        && sea_orm::ConnectionTrait::get_database_backend(&db) == sea_orm::DbBackend::Postgres
    {
        sea_orm::ConnectionTrait::execute_unprepared(
            &db,
            &format!("NOTIFY {}", fora::cache::CHANGES_CHANNEL),
        )
        .await?;
    }
    db.close().await?;
    Ok(outcome)
}
