package consumer;

import b10.transfer.B10Transfer;
import b10.transfer.CacheInfo;
import b10.transfer.LoadOutcome;
import b10.transfer.SaveOutcome;
import b10.transfer.async.TransferProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Uses the library as its README shows: the seed's functions, then the typed results, the settings from the environment. */
public class Consumer {
    public static void main(String[] args) throws Exception {
        System.out.println("load " + B10Transfer.loadCompileCache());
        System.out.println("info " + B10Transfer.getCacheInfo().get("version"));

        Path cache = Path.of(System.getenv("TORCH_CACHE_DIR"));
        Files.createDirectories(cache);
        Files.writeString(cache.resolve("kernel.py"), "compiled\n");
        SaveOutcome saved = B10Transfer.save();
        System.out.println("save " + saved.status() + " files=" + saved.files() + " archive=" + (saved.archive() != null));
        CacheInfo info = B10Transfer.cacheInfo();
        System.out.println("cacheInfo exists=" + info.archiveExists() + " signed=" + info.archiveSignedBy() + " key=" + info.key());
        LoadOutcome forced = B10Transfer.load(true);
        System.out.println("reload " + forced.status() + " files=" + forced.files());
        List<TransferProgress> seen = new ArrayList<>();
        String id = B10Transfer.startLoad(true, seen::add);
        B10Transfer.waitForCompletion(id);
        TransferProgress last = B10Transfer.getTransferStatus(id);
        System.out.println("async " + last.status() + " result=" + last.result().startsWith("SUCCESS") + " files=" + last.filesDone());
    }
}
