package b10.transfer.agent;

import b10.transfer.Log;
import b10.transfer.config.Settings;
import b10.transfer.ops.Activity;
import b10.transfer.ops.LoadResult;
import b10.transfer.ops.SaveResult;
import b10.transfer.ops.TreeFingerprint;
import java.lang.management.ManagementFactory;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * The agent's figures for operators: kept up to date by the agent's restore and saves, registered
 * as {@code b10.transfer:type=Cache} after the restore on a daemon thread (the platform MBean
 * server is not touched on the start-up path).
 */
final class CacheMonitor implements CacheMXBean {
    static final String NAME = "b10.transfer:type=Cache";

    private final Settings settings;
    private volatile String key = "";
    private volatile LoadResult restore;
    private volatile SaveResult save;
    private volatile boolean unused;

    CacheMonitor(Settings settings) {
        this.settings = settings;
    }

    void key(String text) {
        key = text;
    }

    void restored(LoadResult r) {
        restore = r;
    }

    void saved(SaveResult s) {
        save = s;
    }

    void unused() {
        unused = true;
    }

    /** Registers the MBean; a JVM without JMX (a trimmed runtime) or a second agent only loses the MBean. */
    void register() {
        try {
            ManagementFactory.getPlatformMBeanServer().registerMBean(new StandardMBean(this, CacheMXBean.class, true),
                    new ObjectName(NAME));
            Log.get().debug("MBean {} registered", NAME);
        } catch (Throwable t) {
            Log.get().debug("MBean {} not registered: {}", NAME, t.toString());
        }
    }

    @Override
    public String getKey() {
        return key;
    }

    @Override
    public String getStore() {
        return settings.storeName();
    }

    @Override
    public String getLocalCacheDir() {
        return settings.localCacheDir.toString();
    }

    @Override
    public String getLastRestoreStatus() {
        LoadResult r = restore;
        return r == null ? "NONE" : r.status().name();
    }

    @Override
    public String getLastRestoreMessage() {
        LoadResult r = restore;
        return r == null ? "" : r.message();
    }

    @Override
    public long getRestoredFiles() {
        LoadResult r = restore;
        return r == null ? 0 : r.files();
    }

    @Override
    public long getRestoredBytes() {
        LoadResult r = restore;
        return r == null ? 0 : r.bytes();
    }

    @Override
    public long getRestoreMillis() {
        LoadResult r = restore;
        return r == null ? 0 : r.millis();
    }

    @Override
    public String getLastSaveStatus() {
        SaveResult s = save;
        return s == null ? "NONE" : s.status().name();
    }

    @Override
    public String getLastSaveMessage() {
        SaveResult s = save;
        return s == null ? "" : s.message();
    }

    @Override
    public long getSavedFiles() {
        SaveResult s = save;
        return s == null ? 0 : s.files();
    }

    @Override
    public long getSavedBytes() {
        SaveResult s = save;
        return s == null ? 0 : s.bytes();
    }

    @Override
    public long getSaveMillis() {
        SaveResult s = save;
        return s == null ? 0 : s.millis();
    }

    @Override
    public long getNewFilesSinceRestore() {
        TreeFingerprint after = Activity.of(settings.localCacheDir).afterRestore();
        return after == null ? 0 : TreeFingerprint.of(settings.localCacheDir).newFilesSince(after);
    }

    @Override
    public boolean isUnusedCache() {
        return unused;
    }
}
