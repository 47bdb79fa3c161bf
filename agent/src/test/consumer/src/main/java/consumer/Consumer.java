package consumer;

import b10.transfer.B10Transfer;

/** Uses the library as its README shows: one call, the settings from the environment. */
public class Consumer {
    public static void main(String[] args) {
        System.out.println("load " + B10Transfer.loadCompileCache());
        System.out.println("info " + B10Transfer.getCacheInfo().get("version"));
    }
}
