//! Table definitions, the same for both backends (migrations/sqlite, migrations/postgres).

diesel::table! {
    offices (slug) {
        slug -> Text,
        name -> Text,
        municipality -> Text,
        land -> Text,
        size_class -> Text,
        keyset_version -> Integer,
        retention_years -> Integer,
        created_on -> Date,
        recovery_recipient -> Nullable<Text>,
    }
}

diesel::table! {
    officers (id) {
        id -> Text,
        office -> Text,
        display_name -> Text,
        recipient -> Text,
        email -> Nullable<Text>,
        active -> Bool,
        added_on -> Date,
    }
}

diesel::table! {
    reports (id) {
        id -> Text,
        office -> Text,
        keyset_version -> Integer,
        ciphertext -> Binary,
        reply_recipient -> Text,
        lookup_hash -> Binary,
        status -> Text,
        received_on -> Date,
        acknowledged_on -> Nullable<Date>,
        ack_due -> Date,
        feedback_due -> Date,
        closed_on -> Nullable<Date>,
        delete_after -> Nullable<Date>,
        assignee -> Nullable<Text>,
    }
}

diesel::table! {
    messages (id) {
        id -> Text,
        report_id -> Text,
        direction -> Text,
        ciphertext -> Binary,
        created_on -> Date,
        seq -> Integer,
        keyset_version -> Integer,
        author -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    attachments (id) {
        id -> Text,
        report_id -> Text,
        ciphertext -> Binary,
        created_on -> Date,
        position -> Integer,
        keyset_version -> Integer,
    }
}

diesel::table! {
    stats_contributions (quarter, office, id) {
        quarter -> Text,
        office -> Text,
        id -> Text,
        taxonomy_version -> Integer,
        incident_type -> Nullable<Text>,
        racism_form -> Nullable<Text>,
        reporter_role -> Nullable<Text>,
        perpetrator_role -> Nullable<Text>,
        setting -> Nullable<Text>,
        admin_area -> Nullable<Text>,
        consequences -> Nullable<Text>,
        reported_further -> Nullable<Text>,
    }
}

diesel::table! {
    stats_batches (quarter, office) {
        quarter -> Text,
        office -> Text,
        records -> BigInt,
        sealed -> Binary,
    }
}

diesel::table! {
    stats_key (id) {
        id -> Integer,
        recipient -> Text,
    }
}

diesel::table! {
    stats_releases (period) {
        period -> Text,
        series -> Text,
        released_on -> Date,
        offices -> Text,
        rules -> Text,
        csv -> Binary,
        json -> Binary,
        html -> Binary,
    }
}

diesel::table! {
    stats_release_tables (period, scope, dims) {
        period -> Text,
        scope -> Text,
        dims -> Text,
        csv -> Binary,
        json -> Binary,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        office -> Text,
        actor -> Text,
        action -> Text,
        subject -> Nullable<Text>,
        at -> Timestamp,
        prev_hash -> Binary,
        hash -> Binary,
    }
}

diesel::table! {
    challenges (id) {
        id -> Text,
        principal -> Text,
        secret_hash -> Binary,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Binary,
        principal -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    analysts (id) {
        id -> Text,
        display_name -> Text,
        recipient -> Text,
        all_offices -> Bool,
        active -> Bool,
        added_on -> Date,
    }
}

diesel::table! {
    analyst_grants (analyst_id, office) {
        analyst_id -> Text,
        office -> Text,
    }
}

diesel::joinable!(officers -> offices (office));
diesel::joinable!(reports -> offices (office));
diesel::joinable!(messages -> reports (report_id));
diesel::joinable!(attachments -> reports (report_id));

diesel::allow_tables_to_appear_in_same_query!(
    offices,
    officers,
    reports,
    messages,
    attachments,
    stats_contributions,
    stats_batches,
    stats_key,
    stats_releases,
    stats_release_tables,
    audit_log,
    challenges,
    sessions,
    analysts,
    analyst_grants,
);

diesel::table! {
    office_news (id) {
        id -> Text,
        office -> Text,
    }
}

diesel::table! {
    officer_notify (officer_id) {
        officer_id -> Text,
        news -> Bool,
        last_reminder_on -> Nullable<Date>,
        last_digest_on -> Nullable<Date>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        officer_id -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        claim -> Nullable<Text>,
    }
}

diesel::table! {
    retention_extensions (id) {
        id -> Text,
        report_id -> Text,
        officer_id -> Text,
        previous_delete_after -> Nullable<Date>,
        delete_after -> Date,
        reason -> Text,
        created_on -> Date,
    }
}

diesel::joinable!(officer_notify -> officers (officer_id));
diesel::joinable!(retention_extensions -> reports (report_id));
diesel::allow_tables_to_appear_in_same_query!(officer_notify, officers);
diesel::allow_tables_to_appear_in_same_query!(outbox, officers);

diesel::table! {
    invitations (token_hash) {
        token_hash -> Binary,
        office -> Text,
        display_name -> Text,
        email -> Nullable<Text>,
        expires_at -> Timestamp,
        used -> Bool,
    }
}

diesel::table! {
    passkeys (id) {
        id -> Text,
        officer_id -> Text,
        credential -> Text,
        wrapped -> Binary,
        added_on -> Date,
    }
}

diesel::joinable!(passkeys -> officers (officer_id));
diesel::allow_tables_to_appear_in_same_query!(passkeys, officers);

diesel::table! {
    case_reads (officer_id, report_id) {
        officer_id -> Text,
        report_id -> Text,
        reporter_messages_seen -> Integer,
    }
}

diesel::table! {
    labels (id) {
        id -> Text,
        office -> Text,
        ciphertext -> Binary,
        keyset_version -> Integer,
    }
}

diesel::table! {
    case_labels (report_id, label_id) {
        report_id -> Text,
        label_id -> Text,
    }
}

diesel::joinable!(case_labels -> labels (label_id));
diesel::joinable!(case_labels -> reports (report_id));
diesel::allow_tables_to_appear_in_same_query!(case_labels, labels, reports);
