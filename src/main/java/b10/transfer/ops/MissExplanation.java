package b10.transfer.ops;

import b10.transfer.key.EnvironmentKey;
import b10.transfer.store.ArchiveStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Why a key was not found when the store holds others: the nearest stored key (fewest differing
 * components, the newest among equals) and each component that differs, e.g. {@code torch
 * 2.10.0+cu130 in the store, 2.11.0+cu130 here}. Built from one listing and the small records of at
 * most {@link #MOST} keys; no archive is opened.
 *
 * @param storedKeys  how many keys the store holds
 * @param nearest     the nearest key's text, or null where no stored key's text could be read
 * @param differences one phrase per differing component
 */
public record MissExplanation(int storedKeys, String nearest, String nearestHash, Instant saved, List<String> differences) {
    /** The most stored keys whose records are read for one miss (newest first). */
    static final int MOST = 32;

    static MissExplanation of(EnvironmentKey mine, List<ArchiveStore.StoredKey> stored) {
        Map<String, String> here = EnvironmentKey.componentsOf(mine.text());
        ArchiveStore.StoredKey best = null;
        List<String> bestDiff = null;
        for (ArchiveStore.StoredKey k : stored) {
            if (k.text() == null || k.hash().equals(mine.hash())) {
                continue;
            }
            Map<String, String> there = EnvironmentKey.componentsOf(k.text());
            if (there.isEmpty()) {
                continue;
            }
            List<String> diff = differences(there, here);
            if (bestDiff == null || diff.size() < bestDiff.size()) {
                best = k;
                bestDiff = diff;
            }
        }
        return best == null ? new MissExplanation(stored.size(), null, null, null, List.of())
                : new MissExplanation(stored.size(), best.text(), best.hash(), best.modified(), bestDiff);
    }

    static List<String> differences(Map<String, String> there, Map<String, String> here) {
        Set<String> names = new LinkedHashSet<>(here.keySet());
        names.addAll(there.keySet());
        List<String> out = new ArrayList<>();
        for (String n : names) {
            String a = there.get(n);
            String b = here.get(n);
            if (a == null ? b != null : !a.equals(b)) {
                out.add(n + " " + (a == null ? "absent" : a) + " in the store, " + (b == null ? "absent" : b) + " here");
            }
        }
        return out;
    }

    /** The clause added to the miss's message ("" when the store holds no other key). */
    String sentence() {
        if (storedKeys == 0) {
            return "";
        }
        if (nearest == null) {
            return "; the store holds " + storedKeys + " other key" + (storedKeys == 1 ? "" : "s")
                    + ", none with a record of its components (saved by an older version?)";
        }
        return "; nearest of the store's " + storedKeys + " key" + (storedKeys == 1 ? "" : "s") + ": " + nearest
                + " (saved " + saved + "): " + String.join("; ", differences);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stored_keys", storedKeys);
        m.put("nearest_key", nearest);
        m.put("nearest_hash", nearestHash);
        m.put("nearest_saved", saved == null ? null : saved.toString());
        m.put("differences", differences);
        return m;
    }
}
