//! Helpers for `scripts/bench-thread.sh` (see docs/BENCHMARKS.md).
//!
//! ```text
//! cargo run --release --example bench_thread -- seed DATABASE_URL
//!     Migrates a fresh database and fills it with one forum and ONE thread of 50 realistic
//!     posts by several members. Prints the thread id on stdout (nothing else goes there).
//!     The signed-in member for the benchmark is BENCH_EMAIL / BENCH_PASSWORD below.
//!
//! cargo run --release --example bench_thread -- bare PORT FILE
//!     Serves the bytes of FILE at every GET path, as text/html; charset=utf-8, from a bare
//!     axum handler (no middleware, no compression) on 127.0.0.1:PORT. The baseline.
//! ```

use std::net::SocketAddr;

use anyhow::Context;
use axum::{
    Router,
    body::Bytes,
    http::{HeaderValue, header},
    response::IntoResponse,
};
use fora::{
    accounts::service,
    admin::service::{NewForum, create_forum, create_theme},
    config::Config,
    entities::{states::MemberRole, users},
    forums::{access, posting},
    security::password_hashing::Hashing,
};
use sea_orm::ConnectionTrait;

pub const BENCH_EMAIL: &str = "bench.member@example.org";
pub const BENCH_PASSWORD: &str = "bench-thread-2026";
const FORUM_SLUG: &str = "programme-lessons";
const POSTS: usize = 50;
const MIN_CHARS: usize = 300;
const MAX_CHARS: usize = 900;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("seed") if args.len() == 3 => seed(&args[2]).await,
        Some("bare") if args.len() == 4 => bare(&args[2], &args[3]).await,
        _ => {
            eprintln!("usage:\n  bench_thread seed DATABASE_URL\n  bench_thread bare PORT FILE");
            std::process::exit(2);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// bare: the baseline handler
// ---------------------------------------------------------------------------------------------

async fn bare(port: &str, file: &str) -> anyhow::Result<()> {
    let port: u16 = port.parse().context("PORT must be a number")?;
    let body = Bytes::from(std::fs::read(file).with_context(|| format!("cannot read {file}"))?);
    let handler = move || {
        let body = body.clone();
        async move {
            (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                )],
                body,
            )
                .into_response()
        }
    };
    let app = Router::new().fallback(handler);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    eprintln!("bare handler listening on {addr}");
    axum::serve(listener, app).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// seed: one thread of 50 posts
// ---------------------------------------------------------------------------------------------

const PEOPLE: &[(&str, &str)] = &[
    ("amina.diallo@example.org", "Amina Diallo"),
    ("jean.mbeki@example.org", "Jean Mbeki"),
    ("lucia.fernandez@example.org", "Lucía Fernández"),
    ("rahul.verma@example.org", "Rahul Verma"),
    ("marie.dubois@example.org", "Marie Dubois"),
    ("kwame.asante@example.org", "Kwame Asante"),
    ("nadia.rahman@example.org", "Nadia Rahman"),
];

const TITLE: &str =
    "Lessons from ten years of child labour programmes: what would you keep, what would you drop?";

/// Opening paragraphs: each says who is speaking from which experience.
const OPENINGS: &[&str] = &[
    "In our cocoa project in the Western Region we set up **community child labour monitoring committees** in 42 villages. Three years on, the committees that survived were the ones chaired by someone the village already trusted, not the ones chaired by the project's own facilitator.",
    "Our final evaluation of the domestic work programme came back last month. The headline finding surprised us: the awareness campaign reached far more employers than we expected, but the number of children withdrawn from hazardous work barely moved until we added home visits.",
    "We ran a transitional education programme for children aged 10 to 14 who had been out of school for more than two years. The *bridging classes* were held inside the formal schools, which made the move into grade 4 or 5 much less frightening for the children.",
    "A lesson from the cotton supply chain work: the buyers' audits found almost nothing, while the community monitors found children in the fields every harvest. The audit calendar was known weeks in advance, and farmers adjusted to it.",
    "Cash transfers conditional on school attendance worked in our districts, but only where the school was within walking distance. Where children had to travel more than five kilometres, attendance fell again as soon as the rainy season started.",
    "The labour inspectorate in our country has 180 inspectors for the whole informal economy. Training them was useful, but what changed practice was a simple referral protocol that told each inspector exactly whom to call when they found a child.",
    "Our youth employment component trained 600 adolescents of legal working age in safe agricultural work. Employers were sceptical at first; after the first season, two cooperatives asked us to train their own supervisors.",
    "During the lockdowns we moved our awareness sessions to WhatsApp groups run with schoolteachers, and paid for three months of data for the students most at risk of dropping out. It was cheap, and teachers kept the groups going afterwards.",
    "We underestimated how long it takes to build trust with employers of child domestic workers. The first six months produced almost no referrals; after that, employers who had been visited started to bring neighbours to our sessions.",
    "The national action plan was adopted in 2019, but district budgets never included a line for it. What finally moved things was a joint visit by the district council and the labour office to two of the villages where the committees worked.",
    "Our microfinance component for mothers was meant to replace the income of working children. It did, partly: the families who took loans kept children in school longer, but the loans were too small for families with more than four children.",
    "In the gold mining sites the hardest part was not identification but what came next. Without a place in school or training to offer, withdrawing a child simply moved them to another pit further from the road.",
];

/// Middle parts: lists, quotes, links and plain paragraphs.
const DETAILS: &[&str] = &[
    "What made the difference, in order of importance:\n\n1. A named person in each village who could be reached by phone\n2. A referral list that fitted on one page\n3. A small budget for school kits, held by the head teacher\n4. Quarterly meetings with the district labour officer",
    "> Once the report was out, attendance dropped by half.\n\nSame experience here. We tied the committee meetings to the district's own planning calendar, so there was always a next step that needed everyone in the room.",
    "The evaluation report is public, with the questionnaires in the annexes: [final evaluation, 2025](https://www.ilo.org/resource/evaluation-reports). The section on sustainability is the most useful part for anyone designing a follow-up phase.",
    "Three things we would do differently:\n\n- budget for follow-up visits *after* withdrawal, not only for identification;\n- involve the employers' organisation from the design stage;\n- collect baseline data on hours worked, not only on age.",
    "A practical detail that mattered more than we thought: the monitoring forms were in French, while most committee members read only the local language. Translating them and adding pictures doubled the number of forms returned each month.",
    "We compared two approaches over two years in neighbouring districts. Where the committees worked alone, about a third of referred cases were followed up. Where the district labour inspectorate took part in the monthly reviews, it was **70 %**, and the cases were closed faster.",
    "> The audit calendar was known weeks in advance.\n\nThis matches what we saw. Unannounced visits by people from the community are both cheaper and more accurate than announced audits, but they need protection for the monitors.",
    "There is good guidance on hazardous work lists in the [ILO–IPEC toolkit](https://www.ilo.org/topics/child-labour) and in UNICEF's [child protection resources](https://www.unicef.org/protection/child-labour). We adapted the checklist for our region in two workshops with farmers.",
    "Our costs per child withdrawn and kept in school for a full year:\n\n- identification and referral: about 40 USD\n- school kit and fees: about 65 USD\n- follow-up visits: about 30 USD\n\nThe follow-up was the part donors were least willing to fund.",
    "The most convincing argument for local officials was not the law but the numbers: children who completed the bridging year were three times more likely to still be in school two years later than those who went straight into grade 1.",
    "We also learned to separate two messages that we used to mix: *no child under the minimum age works*, and *adolescents of working age work safely*. Mixing them made employers think that all youth employment was forbidden.",
    "A short note on data protection: we kept the names of identified children only in the district office, never on the committee members' phones. It slowed reporting down a little, but families trusted the process more.",
];

/// Closing sentences, often a question to the others.
const CLOSINGS: &[&str] = &[
    "Has anyone found a way to keep the committees going without project money?",
    "I would be glad to share our tools with anyone starting a similar project.",
    "Did others measure the effect on school return rates, or only on enrolment?",
    "Curious whether this matches what you saw in agriculture.",
    "Which incentives have you seen work for volunteers over several years?",
    "We will publish the full lesson learned in the library once the partners have reviewed it.",
    "Any experience with involving trade unions at the village level?",
    "Happy to hear where this does not fit your context.",
];

/// A small deterministic generator, so every run seeds the same thread.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// Post `index` of the thread: opening, maybe a detail block, maybe a closing, kept within
/// MIN_CHARS..=MAX_CHARS characters.
fn post_body(index: usize, rng: &mut Lcg) -> String {
    let mut parts: Vec<&str> = vec![OPENINGS[(index + rng.next(3)) % OPENINGS.len()]];
    // Two posts in three carry a list, quote, link or second paragraph.
    if index % 3 != 2 {
        parts.push(DETAILS[(index * 5 + rng.next(DETAILS.len())) % DETAILS.len()]);
    }
    if rng.next(2) == 0 {
        parts.push(CLOSINGS[rng.next(CLOSINGS.len())]);
    }
    let mut body = parts.join("\n\n");
    // Too long: drop the closing, then the detail.
    while body.chars().count() > MAX_CHARS && parts.len() > 1 {
        parts.pop();
        body = parts.join("\n\n");
    }
    // Too short: add a closing question (different ones until long enough).
    let mut extra = index;
    while body.chars().count() < MIN_CHARS {
        body.push_str("\n\n");
        body.push_str(CLOSINGS[extra % CLOSINGS.len()]);
        extra += 1;
    }
    body
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

async fn seed(database_url: &str) -> anyhow::Result<()> {
    // SAFETY: single-threaded at this point in practice (before any spawned work reads env).
    unsafe {
        std::env::set_var("DATABASE_URL", database_url);
    }
    let config = Config::from_env()?;
    let state = fora::init(config).await?;
    let db = &state.db;

    create_theme(db, "programme-design", "Programme design and evaluation").await?;
    let forum = create_forum(
        db,
        NewForum {
            slug: FORUM_SLUG,
            title: "Programme lessons: what worked and what did not",
            theme_slug: "programme-design",
            purpose: "Compare lessons from evaluations of child labour programmes across sectors and countries.",
            expected_outcome: "A short list of lessons to feed into the design of new projects.",
            moderation: "post",
            language: "en",
        },
    )
    .await?;

    let hash = Hashing::default().hash(BENCH_PASSWORD.to_string()).await?;
    let member =
        service::create_user(db, BENCH_EMAIL, "Bench Member", Some(hash.clone()), false).await?;
    service::grant_membership(db, forum.id, member.id, MemberRole::Member).await?;
    let mut authors: Vec<users::Model> = vec![member.clone()];
    for (i, (email, name)) in PEOPLE.iter().enumerate() {
        let user = service::create_user(db, email, name, Some(hash.clone()), false).await?;
        let role = if i == 0 {
            MemberRole::Moderator
        } else {
            MemberRole::Member
        };
        service::grant_membership(db, forum.id, user.id, role).await?;
        authors.push(user);
    }

    let mut rng = Lcg(20_261_123);
    let mut thread_id = None;
    let mut total_chars = 0;
    for index in 0..POSTS {
        // The benchmark member writes a few of the posts; others take turns, irregularly.
        let author = if index % 9 == 4 {
            &authors[0]
        } else {
            &authors[1 + (index + rng.next(3)) % PEOPLE.len()]
        };
        let body = post_body(index, &mut rng);
        let chars = body.chars().count();
        assert!(
            (MIN_CHARS..=MAX_CHARS).contains(&chars),
            "post {index} has {chars} characters"
        );
        total_chars += chars;
        match thread_id {
            None => {
                let forum_access = access::forum_by_slug(db, author, FORUM_SLUG)
                    .await
                    .map_err(err)?;
                let written =
                    posting::create_thread(&state, &forum_access, author, TITLE, &body, "en")
                        .await
                        .map_err(err)?;
                thread_id = Some(written.thread_id);
            }
            Some(id) => {
                let (thread, forum_access) = access::thread(db, author, id).await.map_err(err)?;
                posting::create_reply(&state, &forum_access, &thread, author, &body, "en", None)
                    .await
                    .map_err(err)?;
            }
        }
    }
    // A settled forum: the reply notifications of the seed are not the benchmark's business
    // (otherwise `fora serve` would start writing ~300 mails to the outbox during the run).
    db.execute_unprepared("DELETE FROM notifications").await?;
    let thread_id = thread_id.context("no thread created")?;
    eprintln!(
        "seeded thread {thread_id}: {POSTS} posts, {total_chars} characters of Markdown (mean {}), member {BENCH_EMAIL}",
        total_chars / POSTS
    );
    println!("{thread_id}");
    Ok(())
}
