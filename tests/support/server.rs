//! Starts the real `portal-server` binary on a loopback port with a scratch database.
use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use portal_api::ApiError;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

/// The server binary: `PORTAL_SERVER_BIN`, or the workspace's debug build.
pub fn server_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("PORTAL_SERVER_BIN") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")));
    let path = target.join("debug/portal-server");
    assert!(path.exists(), "{} is missing: run `cargo build -p portal-server` first", path.display());
    path
}

pub struct TestServer {
    /// One server process, or several on one PostgreSQL database (see `instances_wanted`).
    children: Vec<Child>,
    /// Where each instance listens.
    pub instances: Vec<String>,
    /// The load balancer in front of several instances.
    proxy: Option<Child>,
    /// Where clients go: the one instance, or the load balancer.
    pub base: String,
    pub dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    demo: bool,
    pub http: reqwest::Client,
}

/// How many server instances a test server runs: `PORTAL_TEST_INSTANCES` (with PostgreSQL, behind
/// an haproxy load balancer, as in production), else one.
pub fn instances_wanted() -> usize {
    let wanted = std::env::var("PORTAL_TEST_INSTANCES").ok().and_then(|n| n.parse().ok()).unwrap_or(1usize).max(1);
    if wanted > 1 {
        assert!(std::env::var_os("PORTAL_TEST_POSTGRES").is_some(), "several instances need PORTAL_TEST_POSTGRES");
    }
    wanted
}

impl TestServer {
    /// A dev-mode server with demo data and the given `PORTAL_*` overrides.
    pub fn start(env: &[(&str, &str)]) -> Self {
        Self::start_in(tempfile::tempdir().unwrap(), env, true)
    }

    pub fn start_in(dir: tempfile::TempDir, env: &[(&str, &str)], demo: bool) -> Self {
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut server = Self {
            children: Vec::new(),
            instances: Vec::new(),
            proxy: None,
            base: String::new(),
            dir,
            env,
            demo,
            http: reqwest::Client::new(),
        };
        server.launch();
        server
    }

    fn launch(&mut self) {
        let count = instances_wanted();
        // An address the test asks for is where clients go: the load balancer's, when there is one.
        let asked = self.env.iter().find(|(k, _)| k == "PORTAL_LISTEN").map(|(_, v)| v.clone()).filter(|_| count > 1);
        for i in 0..count {
            let mut env = self.env.clone();
            if asked.is_some() {
                env.retain(|(k, _)| k != "PORTAL_LISTEN");
            }
            env.push(("PORTAL_INSTANCE".into(), format!("i{i}")));
            // The first instance loads the demo data; the others find it there.
            let (child, addr) = spawn(self.dir.path(), &env, self.demo && i == 0, &log_name(i), None);
            self.children.push(child);
            self.instances.push(addr);
        }
        self.base = if count == 1 {
            format!("http://{}", self.instances[0])
        } else {
            let (proxy, addr) = load_balancer(self.dir.path(), &self.instances, asked);
            self.proxy = Some(proxy);
            format!("http://{addr}")
        };
    }

    /// Kills the server (every instance) and starts it again on the same database (on new ports:
    /// see `base`).
    pub fn restart(&mut self) {
        self.stop();
        self.children.clear();
        self.instances.clear();
        self.launch();
    }

    /// Kills one instance and starts it again on the same port, behind the same load balancer.
    pub fn restart_instance(&mut self, i: usize) {
        let _ = self.children[i].kill();
        let _ = self.children[i].wait();
        let mut env = self.env.clone();
        env.retain(|(k, _)| k != "PORTAL_LISTEN");
        env.push(("PORTAL_INSTANCE".into(), format!("i{i}")));
        let (child, _) = spawn(self.dir.path(), &env, false, &log_name(i), Some(&self.instances[i]));
        self.children[i] = child;
    }

    /// Every instance's log, one after another.
    pub fn log(&self) -> String {
        (0..self.instances.len().max(1))
            .map(|i| std::fs::read_to_string(self.dir.path().join(log_name(i))).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Everything the database holds, as bytes to search: the SQLite files, or every PostgreSQL
    /// table's rows as text.
    pub fn database_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        if let Some(url) = self.postgres_url() {
            let rows: Vec<String> = on_own_thread(move || {
                let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                let tables: Vec<String> = client
                    .query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", &[])
                    .unwrap()
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                tables
                    .iter()
                    .flat_map(|t| {
                        client
                            .query(&format!("SELECT t::text FROM {t} t"), &[])
                            .unwrap()
                            .iter()
                            .map(|r| r.get(0))
                            .collect::<Vec<String>>()
                    })
                    .collect()
            });
            return rows.join("\n").into_bytes();
        }
        for name in ["portal.sqlite", "portal.sqlite-wal"] {
            if let Ok(b) = std::fs::read(self.dir.path().join(name)) {
                bytes.extend(b);
            }
        }
        bytes
    }

    /// The PostgreSQL database this server uses, if it uses one.
    pub fn postgres_url(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.path().join("postgres.url")).ok()
    }

    /// Runs one statement with one integer parameter (`$1`) on the server's database, whichever it is;
    /// returns the first column of the first row as an integer (for a query), or the rows changed.
    pub fn database_run(&self, sql: &str, param: i64) -> i64 {
        let sql = sql.to_owned();
        if let Some(url) = self.postgres_url() {
            return on_own_thread(move || {
                let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    if sql.contains("$1") { vec![&param] } else { vec![] };
                let sql = sql.replace("$1", "$1::BIGINT");
                if sql.trim_start().to_uppercase().starts_with("SELECT") {
                    client.query_one(&format!("SELECT ({sql})::BIGINT"), &params).unwrap().get(0)
                } else {
                    client.execute(&sql, &params).unwrap() as i64
                }
            });
        }
        let db = rusqlite::Connection::open(self.dir.path().join("portal.sqlite")).unwrap();
        db.busy_timeout(Duration::from_secs(5)).unwrap();
        let sql = sql.replace("$1", "?1");
        if sql.trim_start().to_uppercase().starts_with("SELECT") {
            db.query_row(&sql, rusqlite::params_from_iter(sql.contains("?1").then_some(param)), |r| r.get(0)).unwrap()
        } else {
            db.execute(&sql, rusqlite::params_from_iter(sql.contains("?1").then_some(param))).unwrap() as i64
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends a request; returns the status and the JSON body (Null when empty).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let res = req.send().await.expect("request reaches the server");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) })
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, None, Some(&body)).await
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, Some(token), None).await
    }

    /// Every message the dev outbox holds for `to`.
    pub async fn dev_messages(&self, to: &str) -> Vec<Value> {
        let res = self.http.get(self.url("/v1/dev/outbox")).query(&[("to", to)]).send().await.unwrap();
        res.json().await.unwrap()
    }

    /// The newest code the dev outbox holds for `to`.
    pub async fn last_code(&self, to: &str) -> String {
        let res = self.http.get(self.url("/v1/dev/outbox")).query(&[("to", to)]).send().await.unwrap();
        let messages: Vec<Value> = res.json().await.unwrap();
        messages.last().expect("a message was sent")["code"].as_str().unwrap().to_owned()
    }

    /// Signs up a new phone number through the real code flow; returns the auth response.
    pub async fn sign_up(&self, phone: &str, password: Option<&str>) -> Value {
        let (status, body) = self
            .post("/v1/auth/codes", serde_json::json!({"channel": "sms", "target": phone, "purpose": "sign_up"}))
            .await;
        assert_eq!(status, 200, "{body}");
        let code = self.last_code(phone).await;
        let (status, body) = self
            .post(
                "/v1/auth/sign-up",
                serde_json::json!({"phone": phone, "code": code, "password": password, "device_name": "test device"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn sign_in_password(&self, login: &str, password: &str) -> Value {
        let (status, body) = self
            .post(
                "/v1/auth/sign-in/password",
                serde_json::json!({"login": login, "password": password, "device_name": "t"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub fn stop(&mut self) {
        for child in self.children.iter_mut().chain(self.proxy.as_mut()) {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.proxy = None;
    }
}

/// Runs blocking work (the synchronous PostgreSQL client) off the async test's thread.
fn on_own_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(work).join().expect("the database work panicked")
}

/// The database of the test server whose files are in `dir`: a SQLite file there, or, when
/// `PORTAL_TEST_POSTGRES` names a cluster (see scripts/with-postgres), a fresh PostgreSQL database
/// of its own, made once and kept across restarts (its address is written in `dir`).
pub fn database_for(dir: &std::path::Path) -> String {
    let Ok(base) = std::env::var("PORTAL_TEST_POSTGRES") else {
        return dir.join("portal.sqlite").display().to_string();
    };
    let marker = dir.join("postgres.url");
    if let Ok(url) = std::fs::read_to_string(&marker) {
        return url;
    }
    let url = portal_server::db::scratch_database(&base).expect("a scratch PostgreSQL database");
    std::fs::write(&marker, &url).unwrap();
    url
}

fn log_name(instance: usize) -> String {
    if instance == 0 {
        "server.log".into()
    } else {
        format!("server-{instance}.log")
    }
}

/// A free loopback port (bound and released; good enough for a test).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts haproxy in front of the instances (round robin, health-checked on /healthz, a request
/// retried on another instance when one is down); returns it and its address.
fn load_balancer(dir: &std::path::Path, instances: &[String], bind: Option<String>) -> (Child, String) {
    let addr = bind.unwrap_or_else(|| format!("127.0.0.1:{}", free_port()));
    let servers: String = instances
        .iter()
        .enumerate()
        .map(|(i, a)| format!("  server i{i} {a} check inter 300ms fall 1 rise 1\n"))
        .collect();
    let config = format!(
        "global\n  maxconn 4000\n  tune.bufsize 1048576\n\
         defaults\n  mode http\n  timeout connect 2s\n  timeout client 300s\n  timeout server 300s\n  \
         option forwardfor\n  option http-buffer-request\n  retries 3\n  option redispatch 1\n  retry-on conn-failure empty-response\n\
         frontend portal\n  bind {addr}\n  default_backend instances\n\
         backend instances\n  balance roundrobin\n  option httpchk GET /readyz\n{servers}"
    );
    let path = dir.join("haproxy.cfg");
    std::fs::write(&path, config).unwrap();
    let log = std::fs::File::create(dir.join("haproxy.log")).unwrap();
    let child = Command::new("haproxy")
        .args(["-db", "-f"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start haproxy (scripts/setup --tests installs it)");
    // Ready when it answers through to an instance.
    for _ in 0..100 {
        if std::net::TcpStream::connect(&addr).is_ok() {
            return (child, addr);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("haproxy did not start: {}", std::fs::read_to_string(dir.join("haproxy.log")).unwrap_or_default());
}

/// Starts the server binary on `dir`'s database (on `listen`, or a free port); returns the
/// process and the address it listens on.
fn spawn(
    dir: &std::path::Path,
    env: &[(String, String)],
    demo: bool,
    log_name: &str,
    listen: Option<&str>,
) -> (Child, String) {
    let mut command = Command::new(server_binary());
    command
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PORTAL_LISTEN", listen.unwrap_or("127.0.0.1:0"))
        .env("PORTAL_DATABASE", database_for(dir))
        .env("PORTAL_KEY_FILE", dir.join("portal.key"))
        .env("PORTAL_DEV_MODE", "true")
        .env("PORTAL_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if demo {
        command.arg("--demo");
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("start portal-server");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let log_path = dir.join(log_name);
    std::thread::spawn(move || {
        let mut log = std::fs::OpenOptions::new().create(true).append(true).open(log_path).ok();
        let mut sent = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(log) = log.as_mut() {
                use std::io::Write;
                let _ = writeln!(log, "{line}");
            }
            if !sent && line.contains("portal server listening") {
                if let Some(addr) = line.split("address=").nth(1).and_then(|s| s.split_whitespace().next()) {
                    let _ = tx.send(addr.to_owned());
                    sent = true;
                }
            }
        }
    });
    let addr = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(addr) => addr,
        Err(_) => {
            let _ = child.kill();
            let log = std::fs::read_to_string(dir.join(log_name)).unwrap_or_default();
            panic!("the server did not report its address; its log:\n{log}");
        }
    };
    (child, addr)
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            // The test failed: the server's errors are what a person needs next.
            let log = self.log();
            let errors: Vec<&str> = log.lines().filter(|l| l.contains("ERROR") || l.contains("WARN")).collect();
            eprintln!("server log, errors and warnings ({} lines):\n{}", errors.len(), errors.join("\n"));
        }
    }
}

pub fn error_of(body: &Value) -> ApiError {
    serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("not an ApiError ({e}): {body}"))
}

pub fn parse<T: DeserializeOwned>(body: &Value) -> T {
    serde_json::from_value(body.clone()).unwrap()
}

pub fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap()
}

pub fn access(auth: &Value) -> String {
    auth["tokens"]["access_token"].as_str().unwrap().to_owned()
}

pub fn refresh_token(auth: &Value) -> String {
    auth["tokens"]["refresh_token"].as_str().unwrap().to_owned()
}
