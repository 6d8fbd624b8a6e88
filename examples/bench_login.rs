//! Helper for `scripts/bench-login.sh` (see docs/BENCHMARKS.md): a sign-in flood against a
//! running `fora serve`, with the server's memory and a normal page's latency measured
//! before, during and after.
//!
//! ```text
//! cargo run --example bench_login -- BASE_URL SERVER_PID
//!     CONCURRENCY (48) browsers each GET /login (session cookie and csrf_token), then all POST
//!     /login at once with a wrong password, ROUNDS (3) times. Meanwhile one client GETs PAGE
//!     (/) again and again, and the server's VmRSS is read from /proc every 100 ms. Prints a
//!     Markdown summary on stdout.
//! ```

use std::{
    collections::BTreeMap,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn csrf(body: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

/// A browser on the login page: its cookie jar and the form's token.
async fn browser(base: &str) -> anyhow::Result<(reqwest::Client, String)> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(600))
        .build()?;
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await?
        .text()
        .await?;
    let token = csrf(&page).context("no csrf_token on /login")?;
    Ok((client, token))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, pid] = args.as_slice() else {
        bail!("usage: bench_login BASE_URL SERVER_PID");
    };
    let pid: u32 = pid.parse().context("SERVER_PID must be a number")?;
    let concurrency = setting("CONCURRENCY", 48);
    let rounds = setting("ROUNDS", 3);
    let page_path = std::env::var("PAGE").unwrap_or_else(|_| "/".into());
    let base = base.trim_end_matches('/').to_string();

    let rss_before = rss_kib(pid).context("cannot read the server's VmRSS")?;
    let flooding = Arc::new(AtomicBool::new(true));

    let sampler = tokio::spawn({
        let flooding = flooding.clone();
        async move {
            let mut max = 0;
            while flooding.load(Ordering::Relaxed) {
                max = max.max(rss_kib(pid).unwrap_or(0));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            max
        }
    });
    let pages = tokio::spawn({
        let flooding = flooding.clone();
        let url = format!("{base}{page_path}");
        async move {
            let client = reqwest::Client::new();
            let mut times = Vec::new();
            let mut failures = 0;
            while flooding.load(Ordering::Relaxed) {
                let start = Instant::now();
                match client.get(&url).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        times.push(start.elapsed());
                    }
                    _ => failures += 1,
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (times, failures)
        }
    });

    let started = Instant::now();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let mut login_times = Vec::new();
    for round in 0..rounds {
        let mut browsers = Vec::new();
        for _ in 0..concurrency {
            browsers.push(browser(&base).await?);
        }
        let attempts = browsers
            .into_iter()
            .enumerate()
            .map(|(i, (client, token))| {
                let url = format!("{base}/login");
                async move {
                    let start = Instant::now();
                    let email = format!("flood{round}-{i}@example.org");
                    let answer = client
                        .post(url)
                        .form(&[
                            ("email", email.as_str()),
                            ("password", "not the password"),
                            ("csrf_token", token.as_str()),
                        ])
                        .send()
                        .await;
                    let status = match answer {
                        Ok(r) => r.status().as_u16().to_string(),
                        Err(e) if e.is_timeout() => "timeout".into(),
                        Err(_) => "error".into(),
                    };
                    (status, start.elapsed())
                }
            });
        for (status, time) in futures::future::join_all(attempts).await {
            *statuses.entry(status).or_default() += 1;
            login_times.push(time);
        }
    }
    let flood_time = started.elapsed();
    flooding.store(false, Ordering::Relaxed);
    let rss_during = sampler.await?;
    let (mut page_times, page_failures) = pages.await?;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let rss_after = rss_kib(pid).unwrap_or(0);

    page_times.sort();
    login_times.sort();
    let mib = |kib: u64| kib as f64 / 1024.0;
    let answers: Vec<String> = statuses.iter().map(|(s, n)| format!("{n} × {s}")).collect();
    println!(
        "| {concurrency} × {rounds} | {:.1} | {:.1} | {:.1} | {} | {:.0} / {:.0} | {} ({} failed) | {:.0} / {:.0} / {:.0} | {:.1} s |",
        mib(rss_before),
        mib(rss_during),
        mib(rss_after),
        answers.join(", "),
        percentile(&login_times, 0.5),
        percentile(&login_times, 1.0),
        page_times.len(),
        page_failures,
        percentile(&page_times, 0.5),
        percentile(&page_times, 0.99),
        percentile(&page_times, 1.0),
        flood_time.as_secs_f64(),
    );
    Ok(())
}
