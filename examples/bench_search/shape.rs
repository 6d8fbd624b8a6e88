//! The shape of the data: countries, vocabularies, themes, topic phrases.

use crate::rng::Weighted;

/// Countries where most programmes are, most frequent first (Zipf-weighted).
const FOCUS_COUNTRIES: &[&str] = &[
    "GH", "CI", "IN", "BD", "KE", "UG", "PH", "BR", "PE", "TZ", "ET", "MA", "NP", "PK", "ML", "BF",
    "MW", "ZM", "EG", "ID", "KH", "VN", "BO", "EC", "CO", "PY", "MX", "GT", "HN", "SV", "NI", "DO",
    "HT", "TR", "JO", "LB", "UZ", "SN", "NG", "MG", "LA", "MM", "TH", "LK", "MN",
];
pub const FRANCOPHONE: &[&str] = &["CI", "MA", "ML", "BF", "HT", "SN", "MG"];
pub const HISPANOPHONE: &[&str] = &[
    "PE", "BO", "EC", "CO", "PY", "MX", "GT", "HN", "SV", "NI", "DO",
];

/// (code, weight) per vocabulary, as the seeded taxonomy spells the codes.
pub const EVALUATION_TYPES: &[(&str, f64)] = &[
    ("final", 40.0),
    ("midterm", 30.0),
    ("interim", 12.0),
    ("ex_post", 9.0),
    ("impact", 9.0),
];
pub const SECTORS: &[&str] = &[
    "agriculture",
    "domestic_work",
    "mining",
    "fishing",
    "manufacturing",
    "street_work",
    "services",
    "construction",
    "sexual_exploitation",
    "armed_conflict",
];
pub const INTERVENTION_TYPES: &[&str] = &[
    "education",
    "awareness_raising",
    "capacity_building",
    "monitoring",
    "livelihoods",
    "policy_legislation",
    "vocational_training",
    "social_protection",
    "withdrawal",
    "research",
    "social_dialogue",
];
pub const CYCLE_STAGES: &[(&str, f64)] = &[
    ("implementation", 45.0),
    ("design", 20.0),
    ("phase_out", 12.0),
    ("monitoring", 10.0),
    ("evaluation", 8.0),
    ("start_up", 5.0),
];
pub const CRITERIA: &[(&str, f64)] = &[
    ("effectiveness", 30.0),
    ("sustainability", 22.0),
    ("relevance", 16.0),
    ("efficiency", 12.0),
    ("coherence_design", 12.0),
    ("impact", 8.0),
];
/// The demo's themes (slug, name), most frequent first.
pub const THEMES: &[(&str, &str)] = &[
    ("education", "Education and training"),
    ("agriculture", "Agriculture"),
    ("child-domestic-work", "Child domestic work"),
    ("labour-migration", "Labour migration"),
    ("trafficking", "Trafficking"),
    ("forced-labour", "Forced labour"),
];

pub fn sector_phrases(code: &str) -> &'static [&'static str] {
    match code {
        "agriculture" => &[
            "cocoa",
            "cotton",
            "tobacco",
            "coffee",
            "sugarcane plantations",
            "the harvest",
            "cocoa farms",
            "smallholder farmers",
            "pesticides",
            "farmer cooperatives",
            "hazardous tasks on farms",
            "plantations",
            "rice fields",
            "tea estates",
        ],
        "domestic_work" => &[
            "child domestic workers",
            "employers of domestic workers",
            "households",
            "live-in domestic work",
            "domestic service",
            "host families",
            "domestic workers",
        ],
        "mining" => &[
            "artisanal gold mining",
            "small-scale mining",
            "quarries",
            "mercury",
            "mining sites",
            "stone crushing",
            "mine owners",
        ],
        "fishing" => &[
            "fishing communities",
            "fish processing",
            "fishing boats",
            "lake fisheries",
            "aquaculture",
            "fish traders",
        ],
        "manufacturing" => &[
            "garment factories",
            "carpet weaving",
            "brick kilns",
            "supply chains",
            "subcontractors",
            "home-based work",
            "footwear workshops",
        ],
        "construction" => &["construction sites", "brick making", "building contractors"],
        "street_work" => &[
            "street children",
            "street vending",
            "urban markets",
            "shelters",
            "drop-in centres",
        ],
        "sexual_exploitation" => &[
            "commercial sexual exploitation",
            "survivors",
            "hotlines",
            "the tourism industry",
        ],
        "armed_conflict" => &[
            "child soldiers",
            "armed groups",
            "demobilization",
            "reintegration",
        ],
        _ => &["hotels", "transport", "informal services", "market traders"],
    }
}

pub fn intervention_phrases(code: &str) -> &'static [&'static str] {
    match code {
        "awareness_raising" => &[
            "awareness campaigns",
            "radio programmes",
            "community meetings",
            "street theatre",
            "awareness-raising sessions",
            "parents",
        ],
        "education" => &[
            "school enrolment",
            "bridging classes",
            "teachers",
            "school feeding",
            "transitional education",
            "school dropout",
            "school kits",
            "non-formal education",
        ],
        "vocational_training" => &[
            "apprenticeships",
            "vocational training",
            "skills training",
            "youth employment",
            "young workers",
            "training centres",
        ],
        "livelihoods" => &[
            "income generating activities",
            "microfinance",
            "savings groups",
            "household income",
            "small grants",
            "cooperatives",
        ],
        "social_protection" => &[
            "cash transfers",
            "birth registration",
            "health insurance",
            "social safety nets",
            "conditional cash transfers",
            "social protection",
        ],
        "policy_legislation" => &[
            "national action plan",
            "hazardous work list",
            "legislation",
            "labour code",
            "minimum age",
            "policy dialogue",
        ],
        "capacity_building" => &[
            "labour inspectors",
            "training of trainers",
            "district officials",
            "labour inspection",
            "government partners",
        ],
        "monitoring" => &[
            "child labour monitoring system",
            "community monitoring committees",
            "referral",
            "tracking",
            "monitoring visits",
            "case management",
        ],
        "withdrawal" => &[
            "withdrawal",
            "rehabilitation",
            "psychosocial support",
            "follow-up visits",
        ],
        "research" => &[
            "baseline survey",
            "rapid assessment",
            "prevalence survey",
            "data collection",
            "research findings",
        ],
        _ => &[
            "trade unions",
            "employers organizations",
            "collective bargaining",
            "tripartite dialogue",
            "workers organizations",
        ],
    }
}

pub fn theme_phrases(slug: &str) -> &'static [&'static str] {
    match slug {
        "child-domestic-work" => &["domestic work", "domestic workers", "employers"],
        "agriculture" => &["agriculture", "farms", "harvest"],
        "education" => &["education", "schools", "teachers", "school attendance"],
        "trafficking" => &[
            "trafficking",
            "recruitment agencies",
            "border areas",
            "victims",
        ],
        "forced-labour" => &["forced labour", "debt bondage", "forced labor"],
        _ => &[
            "migrant workers",
            "labour migration",
            "remittances",
            "migrants",
        ],
    }
}

pub const GENERAL_PHRASES: &[&str] = &[
    "child labour",
    "child labor",
    "worst forms of child labour",
    "hazardous work",
    "girls",
    "adolescents",
    "COVID-19",
    "WhatsApp groups",
    "district",
    "villages",
    "communities",
    "local authorities",
    "stakeholders",
    "gender",
    "boys and girls",
    "the ministry of labour",
];

pub fn country_weights() -> Weighted<&'static str> {
    Weighted::zipf(FOCUS_COUNTRIES.to_vec(), 1.0)
}

pub fn weighted(pairs: &[(&'static str, f64)]) -> Weighted<&'static str> {
    Weighted::new(
        pairs.iter().map(|p| p.0).collect(),
        pairs.iter().map(|p| p.1),
    )
}
