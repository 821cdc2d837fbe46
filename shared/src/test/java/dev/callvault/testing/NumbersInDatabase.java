package dev.callvault.testing;

import dev.callvault.db.Database;

import java.util.ArrayList;
import java.util.List;

/**
 * Every place a phone number is stored in the database, whatever its form: each text, JSON and array column of every
 * table of the schema is read with its non-digits taken out, so "+1 (415) 555-0102", "415-555-0102", "4155550102" and
 * "+14155550102" are all found by their national digits. A database dump, asked one question.
 */
public final class NumbersInDatabase {
    private NumbersInDatabase() {
    }

    /** "table.column" for each column of the current schema that holds {@code e164} (its national digits) in some row. */
    public static List<String> find(Database db, String e164) {
        String national = e164.replaceAll("[^0-9]", "").substring(e164.startsWith("+1") ? 1 : 0);
        return db.jdbi().withHandle(h -> {
            List<String[]> columns = h.createQuery("""
                            SELECT table_name, column_name FROM information_schema.columns
                            WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')
                            ORDER BY table_name, ordinal_position""")
                    .map((rs, ctx) -> new String[]{rs.getString(1), rs.getString(2)}).list();
            List<String> found = new ArrayList<>();
            for (String[] c : columns) {
                boolean holds = h.createQuery("SELECT EXISTS (SELECT 1 FROM \"" + c[0] + "\" WHERE regexp_replace(\"" + c[1]
                                + "\"::text, '[^0-9]', '', 'g') LIKE :digits)")
                        .bind("digits", "%" + national + "%").mapTo(Boolean.class).one();
                if (holds) {
                    found.add(c[0] + "." + c[1]);
                }
            }
            return found;
        });
    }
}
