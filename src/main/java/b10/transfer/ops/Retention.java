package b10.transfer.ops;

import b10.transfer.config.Settings;
import b10.transfer.store.ArchiveStore;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which keys a store can do without: those unused (no load, no save) for longer than
 * {@code B10_TRANSFER_RETAIN_DAYS}, then, with {@code B10_TRANSFER_STORE_QUOTA_MB}, the least
 * recently used until the rest fits. The most recently used key is never removed, and a key used
 * after the decision is kept (the store re-reads its last use just before removing it).
 */
final class Retention {
    /** Saves run the policy at most this often per store: a listing is cheap, not free. */
    static final Duration SAVE_INTERVAL = Duration.ofHours(1);

    /** A key chosen for removal, and why. */
    record Removal(ArchiveStore.KeyUsage key, String reason) {
    }

    private Retention() {
    }

    /** The keys to remove, least recently used first. */
    static List<Removal> select(List<ArchiveStore.KeyUsage> keys, Instant now, Duration retain, long quotaBytes) {
        List<ArchiveStore.KeyUsage> byUse = new ArrayList<>(keys);
        byUse.sort((a, b) -> a.lastUsed().compareTo(b.lastUsed())); // least recently used first
        List<Removal> out = new ArrayList<>();
        if (byUse.size() < 2) {
            return out;
        }
        ArchiveStore.KeyUsage newest = byUse.get(byUse.size() - 1);
        long total = 0;
        for (ArchiveStore.KeyUsage k : byUse) {
            total += k.bytes();
        }
        Instant cutoff = now.minus(retain);
        for (ArchiveStore.KeyUsage k : byUse) {
            if (k == newest) {
                break;
            }
            if (k.lastUsed().isBefore(cutoff)) {
                out.add(new Removal(k, "unused for " + Duration.between(k.lastUsed(), now).toDays() + " days (B10_TRANSFER_RETAIN_DAYS)"));
                total -= k.bytes();
            } else if (quotaBytes > 0 && total > quotaBytes) {
                out.add(new Removal(k, "least recently used while the store holds " + CacheOperations.mib(total)
                        + ", over B10_TRANSFER_STORE_QUOTA_MB (" + CacheOperations.mib(quotaBytes) + ")"));
                total -= k.bytes();
            }
        }
        return out;
    }

    /** {@code gc}: applies the policy (or, dry, only says what it would remove). */
    static Map<String, Object> run(ArchiveStore store, Settings s, boolean dryRun) throws IOException {
        List<ArchiveStore.KeyUsage> keys = store.usage();
        List<Removal> chosen = select(keys, s.clock.instant(), s.retain, s.storeQuotaBytes);
        List<Map<String, Object>> removed = new ArrayList<>();
        List<Map<String, Object>> kept = new ArrayList<>();
        long freed = 0;
        for (Removal r : chosen) {
            Map<String, Object> m = describe(r.key());
            m.put("reason", r.reason());
            if (dryRun) {
                removed.add(m);
                freed += r.key().bytes();
            } else if (store.remove(r.key())) {
                removed.add(m);
                freed += r.key().bytes();
            } else {
                m.put("reason", "used while gc ran: kept");
                kept.add(m);
            }
        }
        if (!dryRun) {
            store.removeStale(s.clock.instant().minus(s.tempMaxAge), true);
            store.policyRan();
        }
        long total = 0;
        for (ArchiveStore.KeyUsage k : keys) {
            total += k.bytes();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("store", store.describe());
        m.put("dry_run", dryRun);
        m.put("retain_days", s.retain.toHours() / 24.0);
        m.put("quota_bytes", s.storeQuotaBytes == 0 ? null : s.storeQuotaBytes);
        m.put("keys", keys.size());
        m.put("store_bytes", total);
        m.put(dryRun ? "would_remove" : "removed", removed);
        m.put("freed_bytes", freed);
        if (!kept.isEmpty()) {
            m.put("kept_after_use", kept);
        }
        return m;
    }

    static Map<String, Object> describe(ArchiveStore.KeyUsage k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hash", k.hash());
        m.put("key", k.keyText());
        m.put("archives", k.archives());
        m.put("bytes", k.bytes());
        m.put("last_used", k.lastUsed().toString());
        return m;
    }

    /**
     * The policy, run by a save at most hourly per store (the store records when it last ran);
     * what it removed, as the end of the save's message ("" for nothing). Never throws but for a cancel.
     */
    static String afterSave(ArchiveStore store, Settings s) {
        if (store.layout() != b10.transfer.archive.ArchiveWriter.Layout.NATIVE) {
            return ""; // a store shared with the Python package: its loads record no use, so only gc, asked for, removes keys
        }
        Instant last = store.lastPolicyRun();
        if (last != null && last.isAfter(s.clock.instant().minus(SAVE_INTERVAL))) {
            return "";
        }
        try {
            if (store.keys(0).size() < 2) {
                return ""; // one listing: the most recently used key is never removed, so one key means nothing to do
            }
            store.policyRan(); // first, so that concurrent savers do not all run it
            Map<String, Object> r = run(store, s, false);
            List<?> removed = (List<?>) r.get("removed");
            return removed.isEmpty() ? "" : "; retention removed " + removed.size() + (removed.size() == 1 ? " key" : " keys")
                    + " (" + CacheOperations.mib((Long) r.get("freed_bytes")) + ")";
        } catch (IOException | RuntimeException e) {
            if (e instanceof java.util.concurrent.CancellationException c) {
                throw c;
            }
            return "";
        }
    }
}
