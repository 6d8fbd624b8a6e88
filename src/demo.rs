//! `fora demo`: a believable first look on an empty database — themes, forums with a purpose,
//! members and moderators, discussions drawn from the programme's own lessons, and a library
//! of learnings and knowledge products loaded through the importer.

use anyhow::{Context, bail};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::{
    accounts::service,
    admin::service::{NewForum, create_forum, create_theme, translate_theme},
    entities::{states::MemberRole, users},
    forums::{access, posting},
    transfer::import::{self, Format, Kind},
    web::AppState,
};

pub const DEMO_PASSWORD: &str = "fora-demo-2026";

/// The demo's themes, named in English, French and Spanish: the ones whose translations the
/// schema fills in on databases that had them before themes were translated.
const THEMES: &[(&str, &str, &str, &str)] = migration::m20261202_000020_vocabulary_labels::THEMES;

struct DemoForum {
    slug: &'static str,
    title: &'static str,
    theme: &'static str,
    purpose: &'static str,
    outcome: &'static str,
    moderation: &'static str,
    /// The language its discussions are written in.
    language: &'static str,
    /// Index into PEOPLE of its moderator; everyone else is a member.
    moderator: usize,
}

const FORUMS: &[DemoForum] = &[
    DemoForum {
        slug: "domestic-work-practitioners",
        title: "Child domestic work: practitioners' forum",
        theme: "child-domestic-work",
        purpose: "Share what works to identify and withdraw children from hazardous domestic work, and to protect those of legal working age.",
        outcome: "A short list of tested practices for identification, referral and follow-up, to publish as good practices.",
        moderation: "post",
        language: "en",
        moderator: 0,
    },
    DemoForum {
        slug: "cocoa-and-cotton",
        title: "Child labour in cocoa and cotton supply chains",
        theme: "agriculture",
        purpose: "Compare community-based monitoring approaches in agricultural supply chains.",
        outcome: "Lessons on making child labour monitoring systems sustainable after project end.",
        moderation: "pre",
        language: "en",
        moderator: 1,
    },
    DemoForum {
        slug: "school-to-work",
        title: "From school to decent work",
        theme: "education",
        purpose: "Discuss transitional education, vocational training and the link to youth employment.",
        outcome: "Recommendations for the design stage of new education projects.",
        moderation: "post",
        language: "en",
        moderator: 2,
    },
    DemoForum {
        slug: "orpaillage",
        title: "Le travail des enfants dans l’orpaillage en Afrique de l’Ouest",
        theme: "agriculture",
        purpose: "Échanger sur le retrait des enfants des sites d’orpaillage artisanal et sur leur retour à l’école ou en formation.",
        outcome: "Des enseignements tirés sur la collaboration avec les comités villageois et les services de l’inspection du travail.",
        moderation: "post",
        language: "fr",
        moderator: 1,
    },
    DemoForum {
        slug: "agricultura-familiar",
        title: "Trabajo infantil en la agricultura familiar en América Latina",
        theme: "agriculture",
        purpose: "Compartir experiencias sobre la prevención del trabajo infantil peligroso en la agricultura familiar y la pesca artesanal.",
        outcome: "Buenas prácticas para el trabajo con cooperativas y gobiernos locales.",
        moderation: "post",
        language: "es",
        moderator: 2,
    },
];

const PEOPLE: &[(&str, &str)] = &[
    ("amina.diallo@example.org", "Amina Diallo"),
    ("jean.mbeki@example.org", "Jean Mbeki"),
    ("lucia.fernandez@example.org", "Lucía Fernández"),
    ("rahul.verma@example.org", "Rahul Verma"),
    ("marie.dubois@example.org", "Marie Dubois"),
];

/// (author index into PEOPLE, Markdown body)
type DemoPost = (usize, &'static str);

/// (forum, title, posts)
const THREADS: &[(&str, &str, &[DemoPost])] = &[
    (
        "domestic-work-practitioners",
        "Multi-stakeholder coalitions: who coordinates when the state cannot?",
        &[
            (
                0,
                "In Haiti, research on *restavèks* brought more than 30 organisations together to agree on recommendations, and ten of them co-funded the study.\n\nHas anyone seen such a coalition **keep going** after the research was published? What kept it alive?",
            ),
            (
                2,
                "In our project the coalition met monthly while there was a shared deliverable. Once the report was out, attendance dropped by half.\n\nWhat helped: a rotating chair among NGOs and a small budget line for follow-up meetings.",
            ),
            (
                1,
                "> Once the report was out, attendance dropped by half.\n\nSame experience. We tied the coalition to the national action plan review, so there was always a next step that needed everyone.",
            ),
        ],
    ),
    (
        "domestic-work-practitioners",
        "Reaching children in households during lockdowns",
        &[
            (
                4,
                "During COVID-19 lockdowns we ran awareness sessions through WhatsApp groups created with schoolteachers, and provided three months of internet top-ups to the students most at risk of dropping out.\n\nDid others measure the effect on school return rates?",
            ),
            (
                0,
                "We did not measure it formally, but teachers reported that most students with top-ups came back when schools reopened. @[Marie Dubois], could you share your questionnaire?",
            ),
        ],
    ),
    (
        "cocoa-and-cotton",
        "Sustaining child labour monitoring after the project ends",
        &[
            (
                1,
                "Our community child labour monitoring committees worked well for three years. Six months after the project closed, only a third still met.\n\nWhich incentives have you seen work without project money?",
            ),
            (
                3,
                "Linking the committees to the district labour office's inspection plan helped us: the office relied on their reports, so the committees had a reason to exist.",
            ),
        ],
    ),
    (
        "school-to-work",
        "Transitional education: how long is long enough?",
        &[
            (
                2,
                "Evaluations of our bridging courses show that six months is too short for children who were out of school more than two years. Nine to twelve months gave much better retention.",
            ),
            (
                4,
                "Agreed. We also found that placing bridging classes **inside** the formal school made the transition far easier than separate centres.",
            ),
        ],
    ),
    (
        "orpaillage",
        "Retirer les enfants des sites d’orpaillage : que proposer aux familles ?",
        &[
            (
                1,
                "Dans notre projet au Burkina Faso, les comités villageois ont identifié plus de 400 enfants sur trois sites d’orpaillage. Le retrait a fonctionné là où les familles recevaient en même temps un appui à une activité génératrice de revenus.\n\nSans cet appui, beaucoup d’enfants sont revenus sur les sites après la saison des pluies. Quelles alternatives avez-vous vues fonctionner ?",
            ),
            (
                0,
                "Au Mali, nous avons associé les orpailleurs eux-mêmes : les chefs de site se sont engagés à refuser les enfants de moins de 15 ans en échange d’une formation à la sécurité au travail.\n\nL’**inspection du travail** passait une fois par trimestre ; c’est peu, mais les chefs de site savaient qu’elle viendrait.",
            ),
            (
                4,
                "Même constat : la scolarisation seule ne suffit pas. Les cantines scolaires ont beaucoup aidé à garder les enfants à l’école pendant la saison sèche.",
            ),
        ],
    ),
    (
        "agricultura-familiar",
        "¿Cómo hablar de trabajo infantil peligroso con las familias productoras?",
        &[
            (
                2,
                "En nuestras cooperativas de café en Honduras, hablar de *trabajo infantil* cerraba la conversación: las familias entendían que se les acusaba.\n\nFuncionó mejor empezar por la lista de tareas peligrosas (fumigar, cargar pesos, usar machete) y preguntar qué tareas podían hacer los niños sin riesgo. ¿Alguien tiene materiales para productores con bajo nivel de lectura?",
            ),
            (
                3,
                "En Paraguay usamos tarjetas ilustradas con las tareas permitidas y prohibidas por edad, elaboradas con el ministerio de trabajo. Los técnicos de la cooperativa las usaban en sus visitas a las fincas.",
            ),
        ],
    ),
];

/// The learnings of `shared/data/seed-learnings.csv`, as ILAB's database publishes them.
pub const SEED_LEARNINGS: &[u8] = include_bytes!("../data/seed-learnings.csv");
/// Richer learnings (every field, some in French and Spanish, a few still in review or draft)
/// and knowledge products, in the JSON an export writes.
pub const DEMO_LIBRARY: &[u8] = include_bytes!("../data/demo-library.json");

/// Loads the library through the importer, as a knowledge manager would; returns the numbers
/// of learnings and products created.
async fn fill_library(state: &AppState, admin_id: i32) -> anyhow::Result<(usize, usize)> {
    let files = [
        (
            Kind::Learnings,
            Format::Csv,
            SEED_LEARNINGS,
            "seed-learnings.csv",
        ),
        (
            Kind::Learnings,
            Format::Json,
            DEMO_LIBRARY,
            "demo-library.json",
        ),
        (
            Kind::Products,
            Format::Json,
            DEMO_LIBRARY,
            "demo-library.json",
        ),
    ];
    let (mut learnings, mut products) = (0, 0);
    for (kind, format, bytes, name) in files {
        let options = import::Options {
            status: None,
            skip_invalid: false,
            actor_id: Some(admin_id),
            source_name: name.to_string(),
        };
        let report = import::import(&state.db, kind, format, bytes, &options).await?;
        if !report.is_clean() {
            bail!("demo {name}: {}", report.to_text("en"));
        }
        match kind {
            Kind::Learnings => learnings += report.created,
            Kind::Products => products += report.created,
        }
    }
    Ok((learnings, products))
}

pub async fn fill(state: &AppState) -> anyhow::Result<()> {
    if users::Entity::find().count(&state.db).await? > 0 {
        bail!("the database already has accounts: `fora demo` only fills an empty database");
    }
    let hash = state.hashing.hash(DEMO_PASSWORD.to_string()).await?;
    let admin = service::create_user(
        &state.db,
        "admin@example.org",
        "Knowledge Manager",
        Some(hash.clone()),
        true,
    )
    .await?;
    let mut people = Vec::new();
    for (email, name) in PEOPLE {
        people.push(service::create_user(&state.db, email, name, Some(hash.clone()), false).await?);
    }
    for (slug, name, name_fr, name_es) in THEMES {
        let theme = create_theme(&state.db, slug, name)
            .await
            .with_context(|| format!("demo theme {slug}"))?;
        translate_theme(&state.db, theme, name_fr, name_es)
            .await
            .with_context(|| format!("demo theme {slug}"))?;
    }
    for forum in FORUMS {
        let created = create_forum(
            &state.db,
            NewForum {
                slug: forum.slug,
                title: forum.title,
                theme_slug: forum.theme,
                purpose: forum.purpose,
                expected_outcome: forum.outcome,
                moderation: forum.moderation,
                language: forum.language,
            },
        )
        .await
        .with_context(|| format!("demo forum {}", forum.slug))?;
        for (person_index, person) in people.iter().enumerate() {
            let role = if person_index == forum.moderator {
                MemberRole::Moderator
            } else {
                MemberRole::Member
            };
            service::grant_membership(&state.db, created.id, person.id, role).await?;
        }
    }
    for (forum_slug, title, posts) in THREADS {
        let mut thread_id = None;
        for (author_index, body) in posts.iter() {
            let author = &people[*author_index];
            let forum_access = access::forum_by_slug(&state.db, author, forum_slug)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            match thread_id {
                None => {
                    let written = posting::create_thread(
                        state,
                        &forum_access,
                        author,
                        title,
                        body,
                        // The demo's discussions are written in their forum's language.
                        &forum_access.forum.language,
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                    thread_id = Some(written.thread_id);
                }
                Some(id) => {
                    let (thread, forum_access) = access::thread(&state.db, &admin, id)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    let forum_access = access::ForumAccess {
                        role: access::role_in(&state.db, author, forum_access.forum.id)
                            .await
                            .map_err(|e| anyhow::anyhow!("{e}"))?
                            .unwrap_or(access::Role::Member),
                        ..forum_access
                    };
                    let language = forum_access.forum.language.clone();
                    posting::create_reply(
                        state,
                        &forum_access,
                        &thread,
                        author,
                        body,
                        &language,
                        None,
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                }
            }
        }
    }
    let library = fill_library(state, admin.id).await?;
    let queued = fill_newsletter(state, &admin, &people).await?;
    println!(
        "Demo data created: {} themes, {} forums, {} members, {} learnings, {} knowledge products.",
        THEMES.len(),
        FORUMS.len(),
        PEOPLE.len() + 1,
        library.0,
        library.1
    );
    println!(
        "Sign in as admin@example.org (knowledge manager) or {} (moderator), password: {DEMO_PASSWORD}",
        PEOPLE[0].0
    );
    println!(
        "A first weekly newsletter edition is queued for {queued} subscribers: `fora serve` sends it \
         (to the outbox folder unless SMTP_URL is set); it is also at /newsletter/archive."
    );
    Ok(())
}

/// The demo edition's introduction in English, French and Spanish.
const DEMO_INTRO: [&str; 3] = [
    "Welcome to the first Fora digest. This week the library opens with the lessons learned \
     and good practices of the Global Action Program and its partners, grouped by theme: \
     read what worked, and tell your forum what you would do differently.",
    "Bienvenue dans le premier résumé de Fora. Cette semaine, la bibliothèque s’ouvre avec \
     les enseignements tirés et les bonnes pratiques du Programme d’action mondial et de ses \
     partenaires, classés par thème\u{a0}: découvrez ce qui a fonctionné et dites à votre forum \
     ce que vous feriez autrement.",
    "Bienvenido al primer resumen de Fora. Esta semana la biblioteca se abre con las \
     lecciones aprendidas y las buenas prácticas del Programa de Acción Global y sus socios, \
     agrupadas por tema: lea lo que funcionó y cuente a su foro qué haría de otro modo.",
];

/// Subscribes the admin and two members (weekly, every theme) and queues this week's edition,
/// so that a first look includes a digest in the outbox and an edition in the archive.
async fn fill_newsletter(
    state: &AppState,
    admin: &users::Model,
    people: &[users::Model],
) -> anyhow::Result<u64> {
    use crate::{
        entities::states::Frequency,
        newsletter::{deliver, editions, schedule, subscriptions::member},
    };
    for user in std::iter::once(admin).chain(people.iter().take(2)) {
        let pairs = vec![(
            "frequency".to_string(),
            Frequency::Weekly.as_str().to_string(),
        )];
        if let Err(refused) = member::apply(&state.db, user, pairs).await {
            bail!("demo newsletter subscription: {refused:?}");
        }
    }
    let edition = schedule::compose_upcoming(
        &state.db,
        &state.config,
        Frequency::Weekly,
        crate::db::now(),
    )
    .await?
    .context("no weekly edition could be composed")?;
    // An edition opens with a word from its editors, as a knowledge manager would write it.
    editions::set_intros(
        &state.db,
        edition.id,
        &editions::Intros {
            en: DEMO_INTRO[0],
            fr: DEMO_INTRO[1],
            es: DEMO_INTRO[2],
        },
    )
    .await?;
    Ok(deliver::enqueue(&state.db, edition.id).await?)
}
