package b10.transfer.agent.testapp;

/**
 * An application with its own, older AWS SDK utilities on its class path: it reports where the
 * class came from and uses it, through reflection so that it compiles without it.
 */
public class AwsClashApp {
    public static void main(String[] args) throws Exception {
        Class<?> k = Class.forName("software.amazon.awssdk.utils.StringUtils");
        System.out.println("CLASS " + k.getName() + " FROM " + k.getProtectionDomain().getCodeSource().getLocation());
        System.out.println("UPPER=" + k.getMethod("upperCase", String.class).invoke(null, "own sdk"));
        System.out.println("FILES=" + App.count(java.nio.file.Path.of(System.getenv("TORCH_CACHE_DIR"))));
    }
}
