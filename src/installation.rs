//! What makes this installation itself, so that its mail and calendar entries are never
//! confused with another's: a random secret created at first start and kept in the
//! database (two installations, or a database started afresh, have different ones), and
//! the domain that Message-IDs and calendar UIDs are named under.

use rand::RngCore;

use crate::db::Db;

/// The installation's secret: read from the database, or created there at first start.
/// Several instances starting together on one database all end up with the one stored
/// first: the insert does nothing when a row is already there, and the row is read back.
pub async fn secret(db: &Db, now_ms: i64) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    sqlx::query("INSERT INTO installation (id, secret, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING")
        .bind(hex::encode(bytes))
        .bind(now_ms)
        .execute(db.pool())
        .await?;
    sqlx::query_scalar("SELECT secret FROM installation WHERE id = 1").fetch_one(db.pool()).await
}

/// The domain Message-IDs and calendar UIDs are named under: the host of the public
/// address when it is a name of its own, else the domain of the sender address. An IP
/// address, `localhost` or a name without a dot says nothing about whose service it is.
pub fn identity_domain(public_url: &str, mail_from_domain: &str) -> String {
    let host = url::Url::parse(public_url).ok().and_then(|u| match u.host() {
        Some(url::Host::Domain(name)) => Some(name.trim_end_matches('.').to_ascii_lowercase()),
        _ => None,
    });
    match host {
        Some(name) if name.contains('.') && name != "localhost" && !name.ends_with(".localhost") => name,
        _ => mail_from_domain.to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::identity_domain;

    #[test]
    fn the_public_name_wins_over_the_sender_domain() {
        assert_eq!(identity_domain("https://fondilab.promis.it", "posta.example.org"), "fondilab.promis.it");
        assert_eq!(identity_domain("https://Fondilab.Promis.IT:8443/base", "posta.example.org"), "fondilab.promis.it");
        assert_eq!(identity_domain("http://fondilab.example.", "posta.example.org"), "fondilab.example");
    }

    #[test]
    fn addresses_and_local_names_fall_back_to_the_sender_domain() {
        for public in [
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
            "http://10.0.0.7",
            "http://localhost:8080",
            "http://app.localhost",
            "http://fondilab:8080",
            "non un indirizzo",
        ] {
            assert_eq!(identity_domain(public, "Fondilab.Local"), "fondilab.local", "{public}");
        }
    }
}
