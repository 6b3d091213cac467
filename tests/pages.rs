//! The HTML pages, server side: routes, status codes, headers, escaping,
//! the links of the no-JavaScript HTML and the static export. What runs in
//! a browser is tested by `tests/browser/` (headless Chromium).

use crate::harness::{App, Server, Test};
use std::path::Path;

const HOSTILE: &str = include_str!("browser/xss-101.yaml");
const WEBCAL_154: &str = "courses/res-cms-154.ics";

fn hostile() -> App {
    App::shipped_with(&[("xss-101.yaml", HOSTILE)])
}

fn is_html(r: &crate::harness::HttpResponse) -> bool {
    r.header("content-type") == Some("text/html; charset=utf-8")
}

#[test]
fn routes_answer_with_the_right_status_and_type() {
    let s = App::shipped();
    for target in [
        "/",
        "/courses/res-cms-154",
        "/courses/res-cms-155",
        "/courses/res-cms-154/embed",
        "/courses/res-cms-154?tz=asia/calcutta&kinds=due&kinds=live",
    ] {
        let r = s.get(target);
        assert_eq!(r.status, 200, "{target}");
        assert!(is_html(&r), "{target}");
        assert!(r.text().starts_with("<!DOCTYPE html><html lang=\"en\""));
    }
    for target in [
        "/courses/nope",
        "/courses/nope/embed",
        "/courses/Res-Cms-154",
        "/courses/res-cms-154/events/nope.ics",
        "/courses/res-cms-154/events/res-cms-154.live.x@coursecal.ics",
        "/courses/nope/events/x.ics",
        "/assets/nope.css",
        "/assets/../Cargo.toml",
    ] {
        assert_eq!(s.get(target).status, 404, "{target}");
    }
    let r = s.get("/courses/res-cms-154?tz=Europe/Berln");
    assert_eq!(r.status, 400);
    assert!(r.text().contains("`Europe/Berlin`"));
    assert_eq!(s.get("/courses/res-cms-154?kinds=deadlines").status, 400);
    // Trailing slashes redirect (relatively, so a proxy's prefix survives).
    let r = s.get("/courses/res-cms-154/?tz=UTC");
    assert_eq!(r.status, 308);
    assert_eq!(r.header("location"), Some("../res-cms-154?tz=UTC"));
    let r = s.get("/courses/res-cms-154/embed/");
    assert_eq!(r.header("location"), Some("../embed"));
    let head = s.request("HEAD", "/courses/res-cms-154", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
}

#[test]
fn assets_are_served_with_long_cache_lifetimes() {
    let s = App::shipped();
    let page = s.get("/").text();
    for (name, kind) in [
        ("site.css", "text/css; charset=utf-8"),
        ("site.js", "text/javascript; charset=utf-8"),
        ("icon.svg", "image/svg+xml"),
    ] {
        let link = format!("./assets/{name}?v={}", coursecal::testing::asset_version());
        assert!(page.contains(&link), "{link}");
        let r = s.get(&link[1..]);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some(kind));
        assert_eq!(
            r.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
    }
}

#[test]
fn pages_send_csp_and_only_the_widget_may_be_framed() {
    let s = App::shipped();
    for target in ["/", "/courses/res-cms-154"] {
        let r = s.get(target);
        let csp = r.header("content-security-policy").unwrap();
        assert!(csp.contains("default-src 'none'"), "{csp}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    }
    let r = s.get("/courses/res-cms-154/embed");
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors *"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(r.header("x-frame-options").is_none());
    // No inline script or style anywhere: the CSP would block it.
    for target in ["/", "/courses/res-cms-154", "/courses/res-cms-154/embed"] {
        let body = s.get(target).text();
        assert_eq!(body.matches("<script").count(), 1, "{target}");
        assert!(body.contains("<script src=\""), "{target}");
        assert!(!body.contains(" style=\""), "{target}");
        assert!(!body.contains("<style"), "{target}");
    }
}

#[test]
fn hostile_schedule_text_is_escaped_in_text_and_attributes() {
    let s = hostile();
    for target in ["/", "/courses/xss-101", "/courses/xss-101/embed"] {
        let r = s.get(target);
        assert_eq!(r.status, 200, "{target}");
        let body = r.text();
        assert!(!body.contains("<script>window"), "{target}");
        assert!(!body.contains("<img src=x"), "{target}");
        assert!(!body.contains("<svg onload"), "{target}");
        assert!(!body.contains("<b>1</b>"), "{target}");
        assert!(
            body.contains(
                "&lt;script&gt;window.__xss=1&lt;/script&gt; Tom &amp; Jerry's &quot;Quotes&quot;"
            ),
            "{target}"
        );
    }
    let body = s.get("/courses/xss-101").text();
    // In an attribute, quotes are escaped too.
    assert!(
        body.contains("data-name=\"&lt;script&gt;window.__xss=1&lt;/script&gt; Tom &amp; Jerry's &quot;Quotes&quot; &lt;img src=x onerror=window.__xss=2&gt;\""),
        "{body}"
    );
    assert!(body.contains(
        "&lt;/script&gt;&lt;script&gt;window.__xss=4&lt;/script&gt; &quot;'&amp;amp; done"
    ));
    assert!(body.contains("Where: &lt;iframe src=javascript:alert(1)&gt;"));
    // The Outlook calendar name is percent-encoded, then attribute-escaped.
    assert!(body.contains(
        "&amp;name=%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E%20Tom%20%26%20Jerry's%20%22Quotes%22"
    ));
    // The embed snippet is escaped twice: once as HTML for the instructor's
    // page, once as the textarea's text.
    assert!(body.contains("title=&quot;X&amp;amp;Y&amp;lt;b&gt;1&amp;lt;/b&gt; dates&quot;"));
}

fn href(body: &str, link: &str) -> Vec<String> {
    let needle = format!("data-link=\"{link}\" href=\"");
    body.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &body[i + needle.len()..];
            rest[..rest.find('"').unwrap()].replace("&amp;", "&")
        })
        .collect()
}

#[test]
fn no_javascript_links_have_the_exact_forms() {
    let s = App::shipped();
    let host = &s.addr;
    let body = s.get("/").text();
    let feed = format!("http://{host}/{WEBCAL_154}");
    let all = format!("http://{host}/calendar.ics");
    let webcal = |u: &str| u.replacen("http://", "webcal://", 1);
    let enc = |u: &str| coursecal::testing::encode_uri_component(u);
    assert_eq!(
        href(&body, "webcal"),
        [
            webcal(&all),
            webcal(&feed),
            webcal(&format!("http://{host}/courses/res-cms-155.ics"))
        ]
    );
    assert_eq!(
        href(&body, "google")[1],
        format!(
            "https://calendar.google.com/calendar/render?cid={}",
            enc(&feed)
        )
    );
    assert_eq!(
        href(&body, "outlook")[1],
        format!(
            "https://outlook.live.com/calendar/0/addfromweb?url={}&name=Launching%20Innovation%20in%20Schools",
            enc(&feed)
        )
    );
    assert_eq!(
        href(&body, "office")[0],
        format!(
            "https://outlook.office.com/calendar/0/addfromweb?url={}&name=RES.CMS-154%20%2B%20RES.CMS-155",
            enc(&all)
        )
    );
    assert_eq!(
        href(&body, "download")[1],
        format!("./{WEBCAL_154}?download=1")
    );

    // ?tz= and ?kinds= flow into every link; defaults are left out.
    let body = s
        .get("/courses/res-cms-154?tz=Asia/Kolkata&kinds=release&kinds=due&kinds=live")
        .text();
    let q = "?tz=Asia/Kolkata&kinds=release,due,live";
    assert_eq!(href(&body, "webcal"), [webcal(&format!("{feed}{q}"))]);
    assert_eq!(
        href(&body, "download"),
        [format!("../{WEBCAL_154}{q}&download=1")]
    );
    assert!(body.contains(&format!("value=\"{feed}{}\"", q.replace('&', "&amp;"))));
    assert!(body.contains(
        "href=\"../courses/res-cms-154/events/res-cms-154.live.welcome-live-event-with-course-staff@coursecal.ics?tz=Asia/Kolkata\""
    ));
    // The agenda is rendered in the asked zone, with UTC on hover.
    assert!(body.contains("title=\"2017-09-29 18:00–19:00 UTC\"><span class=\"d\">Fri 29 Sep</span> <span class=\"t\">23:30–00:30</span>"));
    let body = s.get("/courses/res-cms-154?tz=UTC").text();
    assert_eq!(href(&body, "webcal"), [webcal(&feed)]);
    assert!(body.contains("<span class=\"t\">18:00–19:00</span>"));
}

/// Every `value="…"` of a feed-address field, unescaped.
fn feed_fields(body: &str) -> Vec<String> {
    let needle = "readonly value=\"";
    body.match_indices(needle)
        .map(|(i, _)| {
            let rest = &body[i + needle.len()..];
            rest[..rest.find('"').unwrap()].replace("&amp;", "&")
        })
        .collect()
}

#[test]
fn google_links_carry_the_https_feed_and_a_from_url_fallback() {
    let s = App::shipped();
    let host = &s.addr;
    let decode = |cid: &str| {
        percent_encoding::percent_decode_str(cid)
            .decode_utf8()
            .unwrap()
            .into_owned()
    };
    let all = format!("http://{host}/calendar.ics");
    let c154 = format!("http://{host}/{WEBCAL_154}");
    let c155 = format!("http://{host}/courses/res-cms-155.ics");
    let tz = "?tz=Asia/Kolkata&kinds=due,live";
    let own = "?start=2026-12-01&pace=2&alarm=15m,1d";
    for (target, feeds) in [
        (
            "/".to_owned(),
            vec![all.clone(), c154.clone(), c155.clone()],
        ),
        (
            "/?tz=Asia/Kolkata&kinds=due&kinds=live".to_owned(),
            vec![
                format!("{all}{tz}"),
                format!("{c154}{tz}"),
                format!("{c155}{tz}"),
            ],
        ),
        ("/courses/res-cms-154".to_owned(), vec![c154.clone()]),
        (
            "/courses/res-cms-154?tz=Asia/Kolkata&kinds=due&kinds=live".to_owned(),
            vec![format!("{c154}{tz}")],
        ),
        // The own-dates page: its links subscribe to the reader's run.
        (
            format!("/courses/res-cms-154{own}"),
            vec![format!("{c154}{own}")],
        ),
    ] {
        let r = s.get(&target);
        assert_eq!(r.status, 200, "{target}");
        let body = r.text();
        let cids: Vec<String> = href(&body, "google")
            .iter()
            .map(|g| {
                let cid = g
                    .strip_prefix("https://calendar.google.com/calendar/render?cid=")
                    .unwrap_or_else(|| panic!("{target}: {g}"));
                decode(cid)
            })
            .collect();
        assert_eq!(cids, feeds, "{target}");
        // Beside each: Google's "From URL" page and the address as text.
        assert_eq!(
            href(&body, "google-web"),
            vec!["https://calendar.google.com/calendar/r/settings/addbyurl"; feeds.len()],
            "{target}"
        );
        assert_eq!(feed_fields(&body), feeds, "{target}");
        assert_eq!(
            body.matches("paste the address into “URL of calendar”")
                .count(),
            feeds.len(),
            "{target}"
        );
    }
}

const ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
const DESKTOP: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

#[test]
fn on_android_the_google_button_leads_to_the_web_flow() {
    let s = App::shipped();
    let as_ua = |target: &str, ua: &str| s.request("GET", target, &[("user-agent", ua)]);
    // Android first, so a page cached for it would show up for the desktop.
    for target in [
        "/",
        "/courses/res-cms-154",
        "/courses/res-cms-154?start=2026-12-01",
    ] {
        let phone = as_ua(target, ANDROID);
        assert_eq!(phone.status, 200, "{target}");
        assert_eq!(phone.header("vary"), Some("Host, User-Agent"), "{target}");
        let body = phone.text();
        let google = href(&body, "google");
        assert!(!google.is_empty(), "{target}");
        for g in &google {
            let id = g
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{target}: {g}"));
            assert!(body.contains(&format!("id=\"{id}\"")), "{target}: {id}");
        }
        assert!(!body.contains("render?cid="), "{target}");
        assert_eq!(
            body.matches("the Google Calendar app cannot subscribe")
                .count(),
            google.len(),
            "{target}"
        );
        assert_eq!(href(&body, "google-web").len(), google.len(), "{target}");

        let desktop = as_ua(target, DESKTOP);
        assert_eq!(desktop.header("vary"), Some("Host, User-Agent"), "{target}");
        let body = desktop.text();
        assert!(
            href(&body, "google")
                .iter()
                .all(|g| g.starts_with("https://calendar.google.com/calendar/render?cid=http")),
            "{target}"
        );
        assert!(
            !body.contains("the Google Calendar app cannot subscribe"),
            "{target}"
        );
        // Any other User-Agent (or none) gets the very same cached page.
        assert_eq!(as_ua(target, "curl/8.11").text(), body, "{target}");
        assert_eq!(s.get(target).text(), body, "{target}");
        assert_eq!(
            as_ua(target, "Mozilla/5.0 (Linux; ANDROID 9)").text(),
            phone.text(),
            "{target}"
        );
    }
    // The widget's Google button opens the course page's web flow.
    let body = as_ua("/courses/res-cms-154/embed", ANDROID).text();
    assert_eq!(
        href(&body, "google"),
        ["../../courses/res-cms-154#google-web-res-cms-154"]
    );
}

#[test]
fn absolute_links_come_from_base_url_host_or_a_trusted_proxy() {
    let s = Server::shipped();
    let host = |s: &Server, headers: &[(&str, &str)]| {
        // The harness sends its own Host; a second one would be invalid.
        let r = crate::harness::http(&s.addr, "GET", "/", headers);
        href(&r.text(), "webcal")[1].clone()
    };
    assert_eq!(
        host(&s, &[("x-forwarded-host", "evil.example")]),
        format!("webcal://{}/{WEBCAL_154}", s.addr)
    );
    let proxied = Server::shipped_with(&[], &["--trust-proxy"]);
    assert_eq!(
        host(
            &proxied,
            &[
                ("x-forwarded-host", "cal.example.edu"),
                ("x-forwarded-proto", "https")
            ]
        ),
        format!("webcal://cal.example.edu/{WEBCAL_154}")
    );
    let r = crate::harness::http(
        &proxied.addr,
        "GET",
        "/",
        &[
            ("x-forwarded-host", "cal.example.edu"),
            ("x-forwarded-proto", "https"),
        ],
    );
    assert!(
        r.text()
            .contains("value=\"https://cal.example.edu/courses/res-cms-154.ics\"")
    );
    // A forwarded host that could break out of a URL is not used.
    let r = crate::harness::http(
        &proxied.addr,
        "GET",
        "/",
        &[("x-forwarded-host", "a\"><script>")],
    );
    assert!(!r.text().contains("a\"><script>"));
    let based = Server::shipped_with(&[], &["--base-url", "https://cal.example.edu/x"]);
    assert_eq!(
        host(&based, &[]),
        format!("webcal://cal.example.edu/x/{WEBCAL_154}")
    );
    let qr = based.get("/courses/res-cms-154/qr.svg?tz=Asia/Kolkata");
    assert_eq!(qr.status, 200);
    assert_eq!(qr.header("content-type"), Some("image/svg+xml"));
    assert!(qr.text().contains("<svg"));
    assert_eq!(based.get("/qr.svg").status, 200);
    assert_eq!(based.get("/courses/nope/qr.svg").status, 404);
}

#[test]
fn a_bad_base_url_is_a_usage_error() {
    Test::new()
        .shipped()
        .args(&["build", "--out", "public", "--base-url", "ftp://x"])
        .run()
        .failure(2)
        .stderr_contains("expected an http:// or https:// URL");
}

#[test]
fn per_event_feeds_hold_one_event() {
    let s = App::shipped();
    let target = "/courses/res-cms-154/events/res-cms-154.live.welcome-live-event-with-course-staff@coursecal.ics";
    let r = s.get(target);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    assert!(r.header("etag").is_some());
    let body = r.text();
    assert_eq!(body.matches("BEGIN:VEVENT").count(), 1);
    assert!(body.contains("DTSTART:20170929T180000Z\r\n"));
    let etag = r.header("etag").unwrap().to_owned();
    assert_eq!(
        s.request("GET", target, &[("if-none-match", &etag)]).status,
        304
    );
    let berlin = s.get(&format!("{target}?tz=Europe/Berlin")).text();
    assert!(berlin.contains("DTSTART;TZID=Europe/Berlin:20170929T200000\r\n"));
}

fn files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn build_writes_the_site_with_relative_links() {
    let ran = Test::new()
        .shipped()
        .file("xss-101.yaml", HOSTILE)
        .args(&["build", "--out", "public"])
        .run()
        .success();
    let all = files(&ran.dir.join("public"));
    for f in [
        "index.html",
        "assets/site.css",
        "assets/site.js",
        "assets/icon.svg",
        "courses/res-cms-154/index.html",
        "courses/res-cms-154/embed/index.html",
        "courses/res-cms-155/index.html",
        "courses/res-cms-155/embed/index.html",
        "courses/xss-101/index.html",
        "courses/res-cms-154/events/res-cms-154.live.welcome-live-event-with-course-staff@coursecal.ics",
        "courses/xss-101/events/xss-101.live.evil@coursecal.ics",
    ] {
        assert!(all.iter().any(|a| a == f), "{f} missing from {all:?}");
    }
    assert_eq!(
        all.iter()
            .filter(|f| f.starts_with("courses/res-cms-154/events/"))
            .count(),
        20
    );
    // Without --base-url there is no absolute URL for a QR code.
    assert!(!all.iter().any(|f| f.ends_with("qr.svg")));
    let index = ran.file("public/index.html");
    assert!(index.contains("href=\"./courses/res-cms-154/\""));
    assert!(index.contains("data-feed=\"./courses/res-cms-154.ics\""));
    assert!(index.contains("data-link=\"webcal\" href=\"./courses/res-cms-154.ics\""));
    assert!(index.contains("<meta http-equiv=\"Content-Security-Policy\""));
    let page = ran.file("public/courses/res-cms-154/index.html");
    assert!(page.contains("href=\"../../assets/site.css?v="));
    assert!(page.contains("href=\"../../\">← All courses"));
    assert!(page.contains(
        "href=\"../../courses/res-cms-154/events/res-cms-154.live.welcome-live-event-with-course-staff@coursecal.ics\""
    ));
    assert!(page.contains("href=\"../../courses/res-cms-154/embed/\""));
    // A file cannot see the User-Agent: one-click link and web flow, with
    // the Android note shown.
    assert!(page.contains("the Google Calendar app cannot subscribe"));
    assert!(page.contains("https://calendar.google.com/calendar/r/settings/addbyurl"));
    // No clock in a build: nothing is marked past or next.
    // (The class word, not the text: the Google steps say "paste".)
    assert!(
        !page.contains(" past\"") && !page.contains(" past ") && !page.contains("ev k-live next")
    );
    assert!(page.contains("Published <time datetime=\"2017-09-01T00:00:00Z\">"));
    let embed = ran.file("public/courses/res-cms-154/embed/index.html");
    assert!(embed.contains("href=\"../../../assets/site.css?v="));
    // Only links to other sites are absolute (Google's "From URL" page is one).
    for (name, html) in [("index", &index), ("page", &page), ("embed", &embed)] {
        for abs in html.match_indices("=\"http").map(|(i, _)| &html[i..i + 40]) {
            assert!(
                abs.contains("ocw.mit.edu")
                    || abs.contains("example.edu")
                    || abs.starts_with("=\"https://calendar.google.com/calendar/r"),
                "{name}: {abs}"
            );
        }
    }
}

#[test]
fn build_with_base_url_makes_subscribe_links_absolute_and_is_deterministic() {
    let build = || {
        Test::new()
            .shipped()
            .args(&[
                "build",
                "--out",
                "public",
                "--base-url",
                "https://cal.example.edu/c",
            ])
            .run()
            .success()
    };
    let a = build();
    let b = build();
    let index = a.file("public/index.html");
    assert!(index.contains(
        "data-link=\"webcal\" href=\"webcal://cal.example.edu/c/courses/res-cms-154.ics\""
    ));
    assert!(index.contains("data-link=\"download\" href=\"./courses/res-cms-154.ics\""));
    // Both Google flows: the one-click link (https in cid=) and the web flow.
    assert!(index.contains(
        "data-link=\"google\" href=\"https://calendar.google.com/calendar/render?cid=https%3A%2F%2Fcal.example.edu%2Fc%2Fcourses%2Fres-cms-154.ics\""
    ));
    assert!(index.contains("the Google Calendar app cannot subscribe"));
    assert!(index.contains("src=\"./courses/res-cms-154/qr.svg\""));
    let page = a.file("public/courses/res-cms-154/index.html");
    assert!(page.contains(
        "&lt;iframe src=&quot;https://cal.example.edu/c/courses/res-cms-154/embed/&quot;"
    ));
    let files_a = files(&a.dir.join("public"));
    assert!(files_a.iter().any(|f| f == "qr.svg"));
    assert_eq!(files_a, files(&b.dir.join("public")));
    for f in &files_a {
        let (x, y) = (
            std::fs::read(a.dir.join("public").join(f)).unwrap(),
            std::fs::read(b.dir.join("public").join(f)).unwrap(),
        );
        assert!(x == y, "{f} differs between two builds");
    }
}
