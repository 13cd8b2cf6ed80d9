//! Backup and restore of the embedded SQLite database.
//!
//! A backup is taken from the running service with `VACUUM INTO`: SQLite copies the
//! database as one read transaction sees it, so every write committed before the copy
//! started is in it and nothing half-written is. A restore puts such a copy back in place
//! of the data directory's database, and refuses while a `serve` or `worker` process holds
//! the data directory (each one holds a shared lock on [`LOCK_FILE`] while it runs).
//! PostgreSQL has its own tools (`pg_dump`, `pg_restore`; see the README).

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::Context;
use sqlx::Connection;

use crate::db::{Backend, Db};

/// The file in the data directory that running processes lock.
pub const LOCK_FILE: &str = "fondilab.lock";

/// The shared lock a running process holds on its data directory; released on drop.
#[derive(Debug)]
pub struct DataDirLock(#[allow(dead_code)] File);

/// Takes the shared lock of `data_dir`: several processes may hold it together, a restore
/// may not run while any does.
pub fn hold_data_dir(data_dir: &Path) -> anyhow::Result<DataDirLock> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    let path = data_dir.join(LOCK_FILE);
    let file = open_lock(&path)?;
    file.lock_shared().with_context(|| format!("cannot lock {}", path.display()))?;
    Ok(DataDirLock(file))
}

fn open_lock(path: &Path) -> anyhow::Result<File> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))
}

/// The database file of a `sqlite://` URL.
pub fn sqlite_file(database_url: &str) -> Option<PathBuf> {
    let rest = database_url.strip_prefix("sqlite://").or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

fn refuse_postgres(database_url: &str, what: &str) -> anyhow::Result<PathBuf> {
    sqlite_file(database_url).ok_or_else(|| {
        anyhow::anyhow!(
            "{what} works on the embedded SQLite database; for PostgreSQL use pg_dump and pg_restore \
             (README, \"In produzione\")"
        )
    })
}

/// What a backup wrote.
#[derive(Debug)]
pub struct Written {
    pub bytes: u64,
}

/// Copies the database of `database_url` into `to`, which must not exist yet, while the
/// service keeps running.
pub async fn backup(database_url: &str, to: &Path) -> anyhow::Result<Written> {
    let source = refuse_postgres(database_url, "fondilab backup")?;
    anyhow::ensure!(source.exists(), "there is no database at {} to back up", source.display());
    anyhow::ensure!(!to.exists(), "{} already exists: choose a new file name", to.display());
    if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let db = Db::connect(database_url).await?;
    debug_assert_eq!(db.backend(), Backend::Sqlite);
    let target = to.to_str().with_context(|| format!("{} is not a UTF-8 path", to.display()))?;
    let copied = sqlx::query("VACUUM INTO $1").bind(target).execute(db.pool()).await;
    db.close().await;
    copied.with_context(|| format!("copying the database into {}", to.display()))?;
    let bytes = std::fs::metadata(to)?.len();
    Ok(Written { bytes })
}

/// Puts the backup `from` in place of the database of `database_url`, keeping the database
/// it replaces beside it (`<name>.before-restore-<time>`). Refuses while a process holds
/// `data_dir`, and refuses a file that is not a fondilab database.
pub async fn restore(data_dir: &Path, database_url: &str, from: &Path) -> anyhow::Result<Option<PathBuf>> {
    let target = refuse_postgres(database_url, "fondilab restore")?;
    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create {}", data_dir.display()))?;
    let lock_path = data_dir.join(LOCK_FILE);
    let lock = open_lock(&lock_path)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "a fondilab service is running on {}: stop it (serve and worker) before restoring",
            data_dir.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("cannot lock {}", lock_path.display()))
        }
    }
    check_backup(from).await?;

    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("fondilab.db").to_string();
    let staged = target.with_file_name(format!(".{name}.restoring"));
    std::fs::copy(from, &staged).with_context(|| format!("cannot copy {} to {}", from.display(), staged.display()))?;
    File::open(&staged)?.sync_all()?;
    let kept = if target.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let aside = target.with_file_name(format!("{name}.before-restore-{stamp}"));
        // Fold the write-ahead log in first, so the copy kept aside is whole on its own.
        let mut conn = connect_plain(&target, "rw").await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await?;
        conn.close().await?;
        std::fs::rename(&target, &aside)?;
        Some(aside)
    } else {
        None
    };
    for suffix in ["-wal", "-shm"] {
        let side = target.with_file_name(format!("{name}{suffix}"));
        if side.exists() {
            std::fs::remove_file(&side).with_context(|| format!("cannot remove {}", side.display()))?;
        }
    }
    std::fs::rename(&staged, &target)?;
    drop(lock);
    Ok(kept)
}

/// A backup must be a SQLite database that fondilab's migrations have run on.
async fn check_backup(from: &Path) -> anyhow::Result<()> {
    let mut header = [0u8; 16];
    let read = std::io::Read::read_exact(
        &mut File::open(from).with_context(|| format!("cannot open {}", from.display()))?,
        &mut header,
    );
    anyhow::ensure!(read.is_ok() && &header == b"SQLite format 3\0", "{} is not a SQLite database", from.display());
    let mut conn = connect_plain(from, "ro").await?;
    let checked: anyhow::Result<()> = async {
        let ok: String = sqlx::query_scalar("PRAGMA quick_check").fetch_one(&mut conn).await?;
        anyhow::ensure!(ok == "ok", "{} is damaged: {ok}", from.display());
        let fondilab: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('_sqlx_migrations', 'users', 'outbox')",
        )
        .fetch_one(&mut conn)
        .await?;
        anyhow::ensure!(fondilab == 3, "{} is not a fondilab database", from.display());
        Ok(())
    }
    .await;
    let _ = conn.close().await;
    checked
}

/// One connection to a SQLite file, without the pragmas the service's pool sets.
async fn connect_plain(path: &Path, mode: &str) -> anyhow::Result<sqlx::AnyConnection> {
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(&format!("sqlite://{}?mode={mode}", path.display()))
        .await
        .with_context(|| format!("cannot open {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_file_of_urls() {
        assert_eq!(sqlite_file("sqlite://data/fondilab.db?mode=rwc"), Some(PathBuf::from("data/fondilab.db")));
        assert_eq!(sqlite_file("sqlite:///var/lib/fondilab/f.db"), Some(PathBuf::from("/var/lib/fondilab/f.db")));
        assert_eq!(sqlite_file("postgres://postgres@127.0.0.1/x"), None);
        assert_eq!(sqlite_file("sqlite::memory:"), None);
    }
}
