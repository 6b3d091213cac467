//! Run the coursecal server inside an application's own tokio runtime and
//! stop it with the application's own signal.
//!
//!     cargo run --example embed [SCHEDULES_DIR]
//!
//! Serves the shipped schedules on a free port, fetches one feed through it
//! like any client would, then shuts the server down (in-flight requests
//! finish) and exits 0.

use std::io::{Read, Write};
use std::time::Duration;

#[tokio::main]
async fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "schedules".into());
    let addr = "127.0.0.1:0".parse().expect("a socket address");
    let config = coursecal::ServeConfig::new(dir.into(), addr);
    let server = match coursecal::Server::bind(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot start: {e}");
            std::process::exit(1);
        }
    };
    let local = server.local_addr();
    eprintln!("serving on http://{local}");

    // The application decides when the server stops: here, after one
    // request; in a real app, on its own shutdown path.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));

    let response = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(local)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.write_all(
            b"GET /courses/res-cms-154.ics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        )?;
        let mut out = String::new();
        stream.read_to_string(&mut out)?;
        Ok::<_, std::io::Error>(out)
    })
    .await;
    let text = match response {
        Ok(Ok(text)) => text,
        other => {
            eprintln!("request failed: {other:?}");
            std::process::exit(1);
        }
    };
    let status = text.lines().next().unwrap_or_default().to_owned();
    let events = text.matches("BEGIN:VEVENT").count();
    eprintln!("{status}: {events} events");

    let _ = stop.send(());
    match running.await {
        Ok(Ok(())) => eprintln!("server stopped"),
        other => {
            eprintln!("server failed: {other:?}");
            std::process::exit(1);
        }
    }
    if !status.contains(" 200 ") || events == 0 {
        std::process::exit(1);
    }
}
