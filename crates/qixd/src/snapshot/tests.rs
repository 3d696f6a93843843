//! Snapshot writing and restoring at the function level: two "nodes" are two [`Snapshots`] (each with
//! its own registry) on one folder.

use super::file::{self, SessionFile, FORMAT};
use super::*;
use crate::auth::UserId;
use crate::clock::now_ms;
use crate::doc::DocState;
use crate::registry::Limits;
use crate::session::SessionKey;
use qix_apps::{AppRecord, AppStore};
use std::time::Instant;

/// One node: its snapshots, registry and env, on the apps folder `apps`.
struct Node {
    snapshots: Arc<Snapshots>,
    registry: Arc<Registry>,
    env: Env,
}

fn node(apps: &Path, name: &str) -> Node {
    node_in(apps, name, crate::Mode::Desktop)
}

/// [`node`] in `mode`.
fn node_in(apps: &Path, name: &str, mode: crate::Mode) -> Node {
    let mut config = crate::Config::defaults();
    config.mode = mode;
    config.apps_dir = apps.to_path_buf();
    config.data_dir = apps.join("data");
    let store = AppStore::open(apps).expect("apps folder");
    let snapshots = Snapshots::new(apps.join(".sessions"), name.into()).expect("sessions folder");
    let registry = Registry::new(Limits {
        default_ttl: Duration::from_secs(60),
        max_ttl: Duration::from_secs(3600),
        max_sessions_per_user: 0,
    });
    Node {
        snapshots: Arc::new(snapshots),
        registry,
        env: Env::new(&config, store),
    }
}

fn key(identity: &str) -> SessionKey {
    SessionKey {
        user: UserId::personal(),
        app: Some("x".into()),
        identity: identity.into(),
    }
}

/// A detached session of `key` with a session app whose data holds comment `mark`, touched so the
/// next pass writes it.
fn session_app(n: &Node, key: &SessionKey, mark: &str) {
    let mut data = LoadedData::default();
    data.comments.insert("mark".into(), mark.into());
    let doc = DocState::open(Arc::new(AppRecord::new("sa")), true, Arc::new(data));
    let deadline = Instant::now() + Duration::from_secs(60);
    assert!(n
        .registry
        .insert_detached(key.clone(), Duration::from_secs(60), deadline, Some(doc)));
    n.registry.find(key).expect("inserted").touch();
}

/// The file of `key` as it is on disk.
fn file_of(n: &Node, key: &SessionKey) -> Option<SessionFile> {
    file::read(&n.snapshots.path(&file::stem(key)))
}

/// The comment `mark` of the data in the folder the file of `key` names.
fn data_mark(n: &Node, key: &SessionKey) -> Option<String> {
    let stem = file::stem(key);
    let f = file_of(n, key)?;
    let dir = n.snapshots.dir().join(f.data_dir(&stem)?);
    let files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| Some((e.file_name().into_string().ok()?, fs::read(e.path()).ok()?)))
        .collect();
    let data = crate::persist::import(&files).ok()?;
    data.comments.get("mark").cloned()
}

use std::fs;

#[test]
fn file_names_are_sha256_of_the_key_and_stable() {
    let k = key("i");
    assert_eq!(file::stem(&k), file::stem(&k.clone()));
    assert_eq!(file::stem(&k).len(), 2 + 64);
    assert_ne!(file::stem(&k), file::stem(&key("j")));
}

/// Gives the live session of `key` on `n` new session app data marked `mark` and touches it, so the
/// next write of it writes a new data folder.
fn reload(n: &Node, key: &SessionKey, mark: &str) {
    let Some(session) = n.registry.find(key) else {
        return;
    };
    let mut data = LoadedData::default();
    data.comments.insert("mark".into(), mark.into());
    if let Some(doc) = session.lock().doc.as_mut() {
        doc.install_reload(data, &mut crate::doc::Effects::default());
    }
    session.touch();
}

/// Findings 1 and 2: a restore here and the periodic writer run at once on the restored session app,
/// whose data the writer's side keeps replacing (each write makes a new data folder and drops the
/// last); whatever the interleaving, the file names a data folder that exists and holds the data.
#[test]
fn a_restore_racing_the_writer_keeps_the_session_apps_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = node(dir.path(), "one");
    let two = node(dir.path(), "two");
    for round in 0..10 {
        let k = key(&format!("race-{round}"));
        session_app(&one, &k, "kept");
        one.snapshots.write_changed(&one.registry, false);
        std::thread::scope(|s| {
            let writer = s.spawn(|| {
                for _ in 0..30 {
                    reload(&two, &k, "kept");
                    two.snapshots.write_changed(&two.registry, false);
                }
            });
            assert!(two.snapshots.restore_for(&two.registry, &two.env, &k));
            writer.join().expect("writer");
        });
        two.snapshots.write_changed(&two.registry, true);
        assert_eq!(file_of(&two, &k).map(|f| f.node), Some("two".into()));
        assert_eq!(
            data_mark(&two, &k).as_deref(),
            Some("kept"),
            "round {round}"
        );
        let folders = fs::read_dir(two.snapshots.dir())
            .expect("folder")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(&file::stem(&k)))
            .count();
        assert_eq!(folders, 2, "the file and one data folder, round {round}");
    }
}

/// Finding 4: a session that ended on this node does not come back from its own file when a socket
/// asks for it again, and its file goes at the next pass.
#[test]
fn an_ended_session_is_not_restored_from_its_own_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = node(dir.path(), "one");
    let k = key("ended");
    session_app(&one, &k, "m");
    one.snapshots.write_changed(&one.registry, false);
    assert!(file_of(&one, &k).is_some());
    let id = one.registry.find(&k).expect("live").id;
    assert!(one.registry.end(id, "test"));
    assert!(!one.snapshots.restore_for(&one.registry, &one.env, &k));
    assert!(one.registry.find(&k).is_none());
    one.snapshots.write_changed(&one.registry, false);
    assert!(
        file_of(&one, &k).is_none(),
        "the file of the ended session is removed"
    );
}

/// A file of node `node` for `key`, written by hand (as a crafted or damaged file would be).
fn hand_file(key: &SessionKey, node: &str, ttl_secs: u64, expires_ms: Option<u64>) -> SessionFile {
    SessionFile {
        format: FORMAT,
        node: node.into(),
        epoch: 1,
        written_ms: now_ms(),
        directory: key.user.directory.clone(),
        user: key.user.id.clone(),
        app: key.app.clone(),
        identity: key.identity.clone(),
        ttl_secs,
        expires_ms,
        doc: None,
    }
}

fn put(n: &Node, stem: &str, bytes: &[u8]) {
    fs::write(n.snapshots.path(stem), bytes).expect("written");
}

/// Finding 6: a corrupt file, one of a huge TTL and expiry, and one that is fine: the first is skipped,
/// the second is restored with its TTL capped by `--max-ttl` (no overflow), the third is restored.
#[test]
fn bad_snapshot_files_are_skipped_or_capped_and_the_others_restored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = node(dir.path(), "one");
    put(
        &one,
        &file::stem(&key("corrupt")),
        b"{\"format\": 2, \"node\": ",
    );
    let huge = hand_file(&key("huge"), "one", u64::MAX, Some(u64::MAX));
    let fine = hand_file(&key("fine"), "one", 60, None);
    for f in [&huge, &fine] {
        let text = serde_json::to_vec(f).expect("json");
        put(&one, &file::stem(&f.key()), &text);
    }
    assert_eq!(one.snapshots.restore_own(&one.registry, &one.env), 2);
    assert!(one.registry.find(&key("corrupt")).is_none());
    assert!(one.registry.find(&key("fine")).is_some());
    let (_, expires) = one.registry.lookup(&key("huge")).expect("restored");
    let latest = Instant::now() + Duration::from_secs(3600);
    assert!(expires.is_some_and(|e| e <= latest), "capped by --max-ttl");
}

/// Finding 8: a session whose key differs from the key in the file its name falls on (a forced
/// collision) neither overwrites nor removes that file.
#[test]
fn a_colliding_session_cannot_overwrite_or_remove_another_keys_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = node(dir.path(), "one");
    let victim = key("victim");
    session_app(&one, &victim, "victim's");
    one.snapshots.write_changed(&one.registry, false);
    let before = fs::read(one.snapshots.path(&file::stem(&victim))).expect("victim's file");
    let attacker = key("attacker");
    session_app(&one, &attacker, "attacker's");
    let session = one.registry.find(&attacker).expect("live");
    let target = file::stem(&victim);
    let lock = claim::lock(one.snapshots.dir(), &target).expect("lock");
    assert!(one.snapshots.write_locked(&session, None, &target));
    one.snapshots.written().insert(
        session.id,
        Written {
            key: attacker.clone(),
            at: Some(Instant::now()),
            text_hash: 1,
            epoch: Some(1),
            data: None,
        },
    );
    one.snapshots.remove_locked(session.id, &attacker, &target);
    drop(lock);
    let after = fs::read(one.snapshots.path(&target)).expect("still there");
    assert_eq!(before, after);
    assert_eq!(data_mark(&one, &victim).as_deref(), Some("victim's"));
}

/// Finding 3: claims are epochs: a node that restores a session claims above the file, and the node
/// that held it before finds itself taken over and ends its copy at its next write.
#[test]
fn the_later_claim_wins_by_epoch_and_the_old_copy_ends() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = node(dir.path(), "one");
    let two = node(dir.path(), "two");
    let k = key("moved");
    session_app(&one, &k, "m");
    one.snapshots.write_changed(&one.registry, false);
    let first = file_of(&one, &k).expect("file").epoch;
    assert!(two.snapshots.restore_for(&two.registry, &two.env, &k));
    assert_eq!(
        file_of(&two, &k).map(|f| (f.node, f.epoch)),
        Some(("two".into(), first + 1))
    );
    one.registry.find(&k).expect("live").touch();
    one.snapshots.write_changed(&one.registry, false);
    assert!(one.registry.find(&k).is_none(), "one's copy ended");
    assert_eq!(file_of(&two, &k).map(|f| f.node), Some("two".into()));
}

/// Finding 9: a restore does not get a user past `--max-sessions-per-user`.
#[test]
fn a_restore_respects_the_sessions_per_user_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut one = node(dir.path(), "one");
    one.registry = Registry::new(Limits {
        default_ttl: Duration::from_secs(60),
        max_ttl: Duration::from_secs(3600),
        max_sessions_per_user: 1,
    });
    for id in ["a", "b"] {
        let text = serde_json::to_vec(&hand_file(&key(id), "one", 60, None)).expect("json");
        put(&one, &file::stem(&key(id)), &text);
    }
    assert_eq!(one.snapshots.restore_own(&one.registry, &one.env), 1);
    assert_eq!(one.registry.live_sessions(), 1);
}

#[cfg(unix)]
#[test]
fn snapshots_are_private_to_the_servers_user() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let one = node(dir.path(), "one");
    let k = key("private");
    session_app(&one, &k, "m");
    one.snapshots.write_changed(&one.registry, false);
    let mode = |p: &Path| fs::metadata(p).map(|m| m.permissions().mode() & 0o777).ok();
    assert_eq!(mode(one.snapshots.dir()), Some(0o700));
    assert_eq!(mode(&one.snapshots.path(&file::stem(&k))), Some(0o600));
}

/// Finding 5: at start, a file of an attached session whose node wrote it longer ago than its TTL plus
/// the grace is removed, and so are a file of an older format and a stale data folder no file names; a young one is left (it may be a
/// write under way).
#[test]
fn the_start_sweep_removes_files_and_data_folders_left_over() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = node(dir.path(), "one");
    let mut old = hand_file(&key("old"), "two", 60, None);
    old.written_ms = 0;
    let stem = file::stem(&old.key());
    put(&one, &stem, &serde_json::to_vec(&old).expect("json"));
    let orphan = one.snapshots.dir().join(format!("{stem}.0123abcd.data"));
    let young = one.snapshots.dir().join(format!("{stem}.4567abcd.data"));
    for d in [&orphan, &young] {
        fs::create_dir(d).expect("folder");
    }
    let long_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    fs::File::open(&orphan)
        .and_then(|f| f.set_modified(long_ago))
        .expect("mtime");
    let outdated = one.snapshots.path("s-0123456789abcdef");
    fs::write(&outdated, br#"{"format": 1, "node": "two"}"#).expect("written");
    assert_eq!(one.snapshots.restore_own(&one.registry, &one.env), 0);
    assert!(file_of(&one, &old.key()).is_none(), "the old file is gone");
    assert!(!outdated.exists(), "a file of an older format is gone");
    assert!(!orphan.exists(), "the stale orphaned data folder is gone");
    assert!(young.exists(), "a young data folder stays");
}

/// A file this node has not written for [`REFRESH`] is written again though its session did not
/// change, so its `written_ms` stays recent.
#[test]
fn an_unchanged_file_is_refreshed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = node(dir.path(), "one");
    let k = key("quiet");
    session_app(&one, &k, "m");
    one.snapshots.write_changed(&one.registry, false);
    let before = file_of(&one, &k).expect("file").written_ms;
    let id = one.registry.find(&k).expect("live").id;
    if let Some(w) = one.snapshots.written().get_mut(&id) {
        w.at = Instant::now().checked_sub(REFRESH + Duration::from_secs(1));
    }
    std::thread::sleep(Duration::from_millis(5));
    one.snapshots
        .passes
        .store(0, std::sync::atomic::Ordering::Relaxed);
    one.snapshots.write_changed(&one.registry, false);
    assert!(file_of(&one, &k).expect("file").written_ms > before);
}

/// Finding 9: in server mode a session whose stored app its user may no longer open (another user owns
/// it) is not restored; one on an app it may open is.
#[test]
fn a_restore_checks_that_the_user_may_open_the_app() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = node_in(dir.path(), "one", crate::Mode::Server);
    let mut mine = AppRecord::new("mine");
    mine.owner = crate::rights::Rights::owner_name(&UserId::personal());
    let mut theirs = AppRecord::new("theirs");
    theirs.owner = "CORP\\someone-else".into();
    for (identity, record) in [("allowed", mine), ("denied", theirs)] {
        let record = one.env.store.insert(record).expect("stored");
        let mut f = hand_file(&key(identity), "one", 60, None);
        f.doc = Some(file::DocFile {
            app: record.id.clone(),
            session_app: None,
            data: None,
            part: Default::default(),
            selections: Default::default(),
        });
        put(
            &one,
            &file::stem(&f.key()),
            &serde_json::to_vec(&f).expect("json"),
        );
    }
    assert_eq!(one.snapshots.restore_own(&one.registry, &one.env), 1);
    assert!(one.registry.find(&key("allowed")).is_some());
    assert!(one.registry.find(&key("denied")).is_none());
}

/// The writer's ticks make no pass while nothing changed and this node has no file (each pass is a
/// task on the blocking pool, which then keeps a thread alive — see [`take_snapshots`]); a session that
/// changes is written at the next tick.
#[test]
fn idle_ticks_make_no_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = node(dir.path(), "one");
    let passes = || {
        one.snapshots
            .passes
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let writer = tokio::spawn(take_snapshots(one.snapshots.clone(), one.registry.clone()));
        tokio::time::sleep(TICK * 2 + TICK / 2).await;
        assert_eq!(passes(), 0, "passes while idle");
        let k = key("busy");
        session_app(&one, &k, "m");
        tokio::time::sleep(TICK + TICK / 2).await;
        assert!(passes() > 0, "no pass after a change");
        assert!(
            file_of(&one, &k).is_some(),
            "the changed session is written"
        );
        writer.abort();
    });
}
