//! `meldestelle serve`: opens the store, guards against the demo key, and runs HTTP.

use actix_web::{web, App, HttpServer};
use std::io::Write;
use std::net::SocketAddr;

use crate::api::{self, AppState};
use crate::config::Config;
use crate::db::{self, DbError, Store};
use crate::domain::office::{NewOffice, DEMO_RECIPIENT};

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(
        "refusing to serve on {0}: an officer still uses the public demo key. Anyone can read \
         reports encrypted to it. Create real keys with `meldestelle keygen`, add the officers \
         with `meldestelle office add-officer`, then remove the demo officer with \
         `meldestelle office remove-officer --office demo --officer {DEMO_RECIPIENT}` \
         (or serve on 127.0.0.1 to try it out)"
    )]
    DemoKeyInPublic(SocketAddr),
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error(transparent)]
    Jobs(#[from] crate::app::jobs::JobError),
    #[error(transparent)]
    App(#[from] crate::app::AppError),
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Creates the demo office in an empty database, for a fresh clone on localhost.
fn seed_demo(store: &Store, config: &Config) -> Result<(), DbError> {
    if config.no_demo || !config.bind.ip().is_loopback() {
        return Ok(());
    }
    let today = config.today();
    store.write_now(|c| {
        if db::offices::count_offices(c)? > 0 {
            return Ok(());
        }
        db::offices::insert_office(c, &NewOffice::demo(), today, "system:demo")?;
        db::offices::add_officer(
            c,
            "demo",
            "Demo officer (public key!)",
            DEMO_RECIPIENT,
            None,
            today,
            "system:demo",
        )?;
        tracing::warn!("created the demo office 'demo' with the public demo key (keys/)");
        Ok(())
    })
}

pub async fn run(config: Config) -> Result<(), ServerError> {
    let store = Store::open(&config.database_url)?;
    seed_demo(&store, &config)?;
    // Before the jobs start: nothing else writes yet.
    let stats_key = crate::app::contributions::open_stats_key(&store, &config.stats_key_path())?;
    if !config.bind.ip().is_loopback() && store.read_now(db::offices::demo_key_in_use)? {
        return Err(ServerError::DemoKeyInPublic(config.bind));
    }
    // Recipients registered before only X25519 was accepted: no report can reach that office.
    for office in store.read_now(db::offices::list_offices)? {
        if office
            .recipients
            .iter()
            .any(|r| !crate::crypto::is_recipient(r))
        {
            tracing::error!(
                office = %office.slug,
                "an officer's recipient is not X25519 (a plugin recipient?): reports to this \
                 office are refused until it is removed with `meldestelle office remove-officer`"
            );
        }
    }
    let listener =
        std::net::TcpListener::bind(config.bind).map_err(|e| ServerError::Bind(config.bind, e))?;
    let mut config = config;
    // With port 0 the system chose the port: the mails' desk link names the real one.
    config.bind = listener.local_addr()?;
    config.desk_url = Some(config.desk_url());
    crate::app::jobs::spawn(store.clone(), std::sync::Arc::new(config.clone()))?;
    let state = AppState::new(store, config.clone(), stats_key);
    let hsts = config.hsts;
    let web_dir = config.web_dir.clone();
    let desk = api::pages::DeskConfig {
        api: String::new(),
        idle_secs: config.desk_idle_secs,
    };
    let desk_origin = config.desk_origin.clone();
    let mut server = HttpServer::new(move || {
        let desk_origin = desk_origin.clone();
        App::new()
            .app_data(web::Data::new(state.clone()))
            .wrap(api::error_handlers())
            .wrap(actix_web::middleware::from_fn(api::refuse_nul_in_path))
            .wrap(api::security_headers(hsts, None))
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                api::cors::allow_origin(desk_origin.clone(), req, next)
            }))
            .configure(|cfg| api::pages::configure(cfg, web_dir.clone(), desk.clone()))
            .configure(api::configure)
    })
    .client_request_timeout(std::time::Duration::from_secs(config.header_secs))
    .max_connections(config.max_connections)
    .listen(listener)?;
    if let Some(n) = config.workers {
        server = server.workers(n);
    }
    for addr in server.addrs() {
        // Tests and scripts read this line to find a port chosen by the system. Not eprintln!,
        // which panics where nobody reads standard error any more (`2>&1 | head -1`).
        let _ = writeln!(std::io::stderr(), "listening on http://{addr}");
    }
    server.run().await?;
    Ok(())
}
