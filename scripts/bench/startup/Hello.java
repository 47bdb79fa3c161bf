/** The host of the start-up benchmark: says when main began (epoch microseconds) and exits. */
public final class Hello {
    public static void main(String[] args) {
        java.time.Instant now = java.time.Instant.now();
        System.out.println("main at " + (now.getEpochSecond() * 1_000_000L + now.getNano() / 1000));
    }
}
