package dev.callvault.encrypted;

import dev.callvault.PermanentException;
import dev.callvault.crypto.PrivateKeys;
import dev.callvault.crypto.RecordingCipher;
import dev.callvault.db.RecordingRepository;
import dev.callvault.db.RecordingRow;
import dev.callvault.storage.RecordingStore;
import dev.callvault.storage.StorageException;
import dev.callvault.storage.StoredObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * Gives out Twilio's encrypted recordings, kept as ciphertext in the store, as the WAV Twilio recorded: for {@code /play}
 * and {@code callvault download} alike. Nothing is given out but from a stored object found authentic (its whole GCM tag
 * checked), and only from that very object (read by its ETag and version), so no byte changed in storage is ever served,
 * whatever range is asked for. The verdict is kept with the row ({@link Seal}), bound to the object it read: a later read
 * of the same object trusts it, an object that changed since is read whole again first. A private key of another pair is
 * told apart from changed bytes before anything is read ({@link RecordingCipher.KeyDoesNotOpen}).
 */
public final class EncryptedRecordings {
    private static final Logger log = LoggerFactory.getLogger(EncryptedRecordings.class);

    private final RecordingStore store;
    private final PrivateKeys keys;
    private final RecordingRepository recordings;
    private final Clock clock;

    public EncryptedRecordings(RecordingStore store, PrivateKeys keys, RecordingRepository recordings, Clock clock) {
        this.store = store;
        this.keys = keys;
        this.recordings = recordings;
        this.clock = clock;
    }

    /** Twilio's {@code encryption_details} that {@code row} keeps; null for a recording in the clear. */
    public static Map<String, String> details(RecordingRow row) {
        return RecordingCipher.details(row.metadataJson());
    }

    /**
     * What opens {@code row}'s recording. Throws {@link PrivateKeys.KeyMissing} when this host has no private key for its
     * public key, {@link RecordingCipher.KeyDoesNotOpen} when the one configured is another pair's.
     */
    public RecordingCipher cipher(RecordingRow row) {
        return keys.cipher(row.recordingSid() != null ? row.recordingSid() : row.id().toString(), details(row));
    }

    /** What opens {@code recording}, encrypted as Twilio's {@code details} say (as {@link #cipher(RecordingRow)} does). */
    public RecordingCipher cipher(String recording, Map<String, String> details) {
        return keys.cipher(recording, details);
    }

    /**
     * The verdict on {@code object}, {@code row}'s object as a head found it just now: the seal kept for exactly that object,
     * else (never read, or another object since) a fresh one from reading it whole. {@code readAgain} reads an object
     * sealed authentic whole again all the same: a store that does not check its disks can change bytes under an unchanged
     * ETag, and a read from the start is where a player and a download begin.
     */
    public Seal verdict(RecordingRow row, RecordingCipher cipher, StoredObject object, boolean readAgain) {
        Optional<Seal> known = Seal.of(row.metadataJson()).filter(s -> s.bindsTo(object));
        if (known.isPresent() && (!known.get().authentic() || !readAgain)) {
            return known.get();
        }
        return authenticate(row, cipher, object);
    }

    /** Reads exactly {@code object} whole, checks its tag, keeps the verdict with {@code row} when it is news, and returns it. */
    public Seal authenticate(RecordingRow row, RecordingCipher cipher, StoredObject object) {
        boolean authentic;
        try (InputStream whole = store.getExactly(object, 0, -1)) {
            authentic = cipher.authentic(whole);
        } catch (IOException e) {
            throw StorageException.unavailable("reading", object.key(), e);
        }
        Optional<Seal> known = Seal.of(row.metadataJson()).filter(s -> s.bindsTo(object) && s.authentic() == authentic);
        if (known.isPresent()) {
            return known.get();
        }
        Seal seal = Seal.of(object, authentic, clock.instant());
        recordings.seal(row.id(), object.key(), seal.json().toString());
        if (!authentic) {
            log.error("recording {} ({}, ETag {}): authentication failed: its stored bytes are not what Twilio encrypted; it is not served",
                    row.id(), object.key(), object.etag());
        }
        return seal;
    }

    /** Throws {@link NotAuthentic} unless {@code seal} found {@code row}'s object authentic. */
    public static void require(RecordingRow row, Seal seal) {
        if (!seal.authentic()) {
            throw new NotAuthentic(row, seal);
        }
    }

    /** The plaintext of bytes {@code [offset, offset+length)} of exactly {@code object}, which the caller found authentic. */
    public InputStream plaintext(RecordingCipher cipher, StoredObject object, long offset, long length) {
        if (length == 0) {
            return InputStream.nullInputStream();
        }
        return cipher.decryptFrom(store.getExactly(object, offset, length), offset);
    }

    /** A recording whose stored object is not what Twilio encrypted: it is not given out. */
    public static final class NotAuthentic extends PermanentException {
        NotAuthentic(RecordingRow row, Seal seal) {
            super("recording " + row.id() + " failed authentication: its stored bytes are not what Twilio encrypted (found "
                    + seal.at() + "), so no part of it is played or downloaded (callvault verify --deep; fetch it again from Twilio with "
                    + "callvault verify --deep --fix)");
        }
    }
}
