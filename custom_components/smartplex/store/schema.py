"""The schema of the SmartPlex database, as numbered migrations.

Migration n upgrades the schema from version n - 1 to n, its statements in one
transaction. Append new migrations; never edit one that has shipped.

Conventions of the synced tables: `instance` is the subentry id of the service the
row came from; times are Unix seconds (UTC); a title's identity is
`(media_type, tmdb_id)` with `media_type` 'movie' or 'tv' (an episode's identity is
its series'), with the TVDB and IMDb ids beside it; lists are JSON text.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            time TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            details TEXT NOT NULL,
            source TEXT NOT NULL,
            user_id TEXT
        )
        """,
        "CREATE INDEX audit_time ON audit (time)",
    ),
    (
        # Rows written before outcomes were recorded were all written after success.
        "ALTER TABLE audit ADD COLUMN status TEXT NOT NULL DEFAULT 'done'",
        "ALTER TABLE audit ADD COLUMN error TEXT",
        "ALTER TABLE audit ADD COLUMN finished TEXT",
        "CREATE INDEX audit_status ON audit (status)",
    ),
    (
        # Every Sonarr series and Radarr movie of every instance, from the library index.
        """
        CREATE TABLE library (
            instance TEXT NOT NULL,
            item_id INTEGER NOT NULL,
            media_type TEXT NOT NULL,
            tmdb_id INTEGER,
            tvdb_id INTEGER,
            imdb_id TEXT,
            title TEXT NOT NULL,
            title_key TEXT NOT NULL,
            year INTEGER,
            season_count INTEGER,
            episode_count INTEGER,
            episode_file_count INTEGER,
            size_on_disk INTEGER NOT NULL,
            monitored INTEGER NOT NULL,
            has_file INTEGER NOT NULL,
            tags TEXT NOT NULL,
            genres TEXT NOT NULL,
            quality_profile_id INTEGER,
            cutoff_met INTEGER,
            file_quality TEXT,
            root_folder TEXT,
            added INTEGER,
            updated INTEGER NOT NULL,
            PRIMARY KEY (instance, item_id)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX library_tmdb ON library (media_type, tmdb_id)",
        "CREATE INDEX library_tvdb ON library (media_type, tvdb_id)",
        "CREATE INDEX library_title ON library (title_key, year)",
        # Every Tautulli history row; (instance, row_id) makes re-syncs idempotent.
        """
        CREATE TABLE plays (
            instance TEXT NOT NULL,
            row_id INTEGER NOT NULL,
            reference_id INTEGER,
            user_id INTEGER,
            user TEXT NOT NULL,
            friendly_name TEXT,
            media_type TEXT NOT NULL,
            rating_key INTEGER,
            parent_rating_key INTEGER,
            grandparent_rating_key INTEGER,
            title TEXT NOT NULL,
            full_title TEXT NOT NULL,
            grandparent_title TEXT,
            year INTEGER,
            season INTEGER,
            episode INTEGER,
            started INTEGER,
            stopped INTEGER,
            play_duration INTEGER NOT NULL,
            paused_counter INTEGER NOT NULL,
            percent_complete INTEGER NOT NULL,
            watched_status REAL NOT NULL,
            transcode_decision TEXT,
            video_decision TEXT,
            audio_decision TEXT,
            source_resolution TEXT,
            stream_resolution TEXT,
            bandwidth INTEGER,
            platform TEXT,
            product TEXT,
            player TEXT,
            location TEXT,
            ip_address TEXT,
            identity_type TEXT,
            tmdb_id INTEGER,
            tvdb_id INTEGER,
            imdb_id TEXT,
            matched_by TEXT,
            PRIMARY KEY (instance, row_id)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX plays_started ON plays (started)",
        "CREATE INDEX plays_user ON plays (user_id, started)",
        "CREATE INDEX plays_identity ON plays (identity_type, tmdb_id)",
        "CREATE INDEX plays_unmatched ON plays (instance, matched_by)",
        # What get_metadata said about a rating key (an episode's: its series').
        """
        CREATE TABLE rating_keys (
            instance TEXT NOT NULL,
            rating_key INTEGER NOT NULL,
            media_type TEXT,
            tmdb_id INTEGER,
            tvdb_id INTEGER,
            imdb_id TEXT,
            fetched INTEGER NOT NULL,
            PRIMARY KEY (instance, rating_key)
        ) WITHOUT ROWID
        """,
        # Tautulli's users (the Plex accounts that watch) and their Overseerr account.
        """
        CREATE TABLE users (
            instance TEXT NOT NULL,
            user_id INTEGER NOT NULL,
            username TEXT NOT NULL,
            friendly_name TEXT NOT NULL,
            email TEXT,
            is_active INTEGER NOT NULL,
            is_admin INTEGER NOT NULL,
            overseerr_user_id INTEGER,
            linked_by TEXT,
            updated INTEGER NOT NULL,
            PRIMARY KEY (instance, user_id)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE overseerr_users (
            instance TEXT NOT NULL,
            user_id INTEGER NOT NULL,
            display_name TEXT NOT NULL,
            username TEXT,
            plex_username TEXT,
            plex_id INTEGER,
            email TEXT,
            request_count INTEGER NOT NULL,
            updated INTEGER NOT NULL,
            PRIMARY KEY (instance, user_id)
        ) WITHOUT ROWID
        """,
        # Overseerr requests as they are now, and each state change with its time.
        """
        CREATE TABLE requests (
            instance TEXT NOT NULL,
            request_id INTEGER NOT NULL,
            media_type TEXT NOT NULL,
            tmdb_id INTEGER,
            tvdb_id INTEGER,
            imdb_id TEXT,
            status INTEGER NOT NULL,
            media_status INTEGER,
            is_4k INTEGER NOT NULL,
            seasons TEXT NOT NULL,
            requested_by INTEGER,
            modified_by INTEGER,
            created INTEGER,
            updated INTEGER,
            available INTEGER,
            PRIMARY KEY (instance, request_id)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX requests_user ON requests (requested_by, created)",
        "CREATE INDEX requests_identity ON requests (media_type, tmdb_id)",
        """
        CREATE TABLE request_history (
            instance TEXT NOT NULL,
            request_id INTEGER NOT NULL,
            state TEXT NOT NULL,
            time INTEGER,
            by_user INTEGER,
            PRIMARY KEY (instance, request_id, state)
        ) WITHOUT ROWID
        """,
        # Where each sync of each service stands; moved in the same transaction as rows.
        """
        CREATE TABLE sync_state (
            instance TEXT NOT NULL,
            kind TEXT NOT NULL,
            cursor INTEGER,
            full_done INTEGER NOT NULL DEFAULT 0,
            total INTEGER,
            done INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            updated INTEGER NOT NULL,
            PRIMARY KEY (instance, kind)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE sync_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            instance TEXT NOT NULL,
            service TEXT NOT NULL,
            kind TEXT NOT NULL,
            started INTEGER NOT NULL,
            finished INTEGER NOT NULL,
            added INTEGER NOT NULL,
            changed INTEGER NOT NULL,
            status TEXT NOT NULL,
            error TEXT
        )
        """,
        "CREATE INDEX sync_log_started ON sync_log (started)",
    ),
    (
        # TMDB details (JSON of engine TitleInfo) and related lists per title (store/metadata.py).
        """
        CREATE TABLE tmdb_titles (
            media_type TEXT NOT NULL,
            tmdb_id INTEGER NOT NULL,
            data TEXT NOT NULL,
            fetched INTEGER NOT NULL,
            PRIMARY KEY (media_type, tmdb_id)
        ) WITHOUT ROWID
        """,
        """
        CREATE TABLE tmdb_related (
            media_type TEXT NOT NULL,
            tmdb_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            related TEXT NOT NULL,
            fetched INTEGER NOT NULL,
            PRIMARY KEY (media_type, tmdb_id, kind)
        ) WITHOUT ROWID
        """,
    ),
    (
        # Cleanup plans: reviewed by a person, executed once, before they expire.
        """
        CREATE TABLE cleanup_plans (
            id TEXT PRIMARY KEY,
            entry_id TEXT NOT NULL,
            created INTEGER NOT NULL,
            not_before INTEGER NOT NULL,
            expires INTEGER NOT NULL,
            status TEXT NOT NULL,
            items TEXT NOT NULL,
            digest TEXT NOT NULL,
            result TEXT,
            finished INTEGER
        ) WITHOUT ROWID
        """,
        "CREATE INDEX cleanup_plans_created ON cleanup_plans (created)",
    ),
    (
        # Where WAN addresses of plays are (Tautulli's geoip lookup), so each is asked once.
        # Only statistics read it, and only as counts per country and city.
        """
        CREATE TABLE geoip (
            ip_address TEXT NOT NULL PRIMARY KEY,
            country TEXT NOT NULL,
            city TEXT NOT NULL,
            looked_up INTEGER NOT NULL
        ) WITHOUT ROWID
        """,
    ),
    (
        # Recommendations per user ('' for the household) and what became of them.
        """
        CREATE TABLE recommendations (
            user TEXT NOT NULL,
            media_type TEXT NOT NULL,
            tmdb_id INTEGER NOT NULL,
            state TEXT NOT NULL,
            score REAL,
            reason TEXT,
            first_shown INTEGER,
            updated INTEGER NOT NULL,
            PRIMARY KEY (user, media_type, tmdb_id)
        ) WITHOUT ROWID
        """,
        "CREATE INDEX recommendations_state ON recommendations (state, updated)",
    ),
    (
        # Writes the AI helper proposed (store/proposals.py), until confirmed or expired.
        """
        CREATE TABLE proposals (
            id TEXT PRIMARY KEY,
            entry_id TEXT NOT NULL,
            user_id TEXT,
            question TEXT NOT NULL,
            actions TEXT NOT NULL,
            created INTEGER NOT NULL,
            expires INTEGER NOT NULL,
            status TEXT NOT NULL,
            finished INTEGER
        ) WITHOUT ROWID
        """,
        "CREATE INDEX proposals_status ON proposals (status, expires)",
    ),
    (
        # Library care adds up plays per title from the index alone (store/usage.py):
        # a plan at 200,000 plays no longer looks up every row.
        (
            "CREATE INDEX plays_usage ON plays (identity_type, tmdb_id, user_id, user,"
            " started, percent_complete, season, matched_by)"
        ),
    ),
    (
        # Every triage decision SmartPlex applied, with its features, reason and outcome.
        """
        CREATE TABLE triage_decisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            instance TEXT NOT NULL,
            request_id INTEGER NOT NULL,
            media_type TEXT NOT NULL,
            tmdb_id INTEGER NOT NULL,
            requested_by TEXT NOT NULL,
            action TEXT NOT NULL,
            policy TEXT NOT NULL,
            score REAL NOT NULL,
            features TEXT NOT NULL,
            reason TEXT NOT NULL,
            source TEXT NOT NULL,
            decided INTEGER NOT NULL,
            outcome TEXT NOT NULL
        )
        """,
        "CREATE INDEX triage_decisions_decided ON triage_decisions (instance, decided)",
    ),
    (
        # plays_usage begins with (identity_type, tmdb_id) and serves the same lookups:
        # the older index only made each of a first sync's 200,000 inserts slower.
        "DROP INDEX IF EXISTS plays_identity",
    ),
)
