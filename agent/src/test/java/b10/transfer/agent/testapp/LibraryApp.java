package b10.transfer.agent.testapp;

import b10.transfer.B10Transfer;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * An application that uses b10-transfer as a library and has logging of its own
 * (java.util.logging here): b10-transfer's messages must arrive there, through System.Logger,
 * and nothing of the application's logging may be configured by the library.
 */
public class LibraryApp {
    public static void main(String[] args) {
        Logger ours = Logger.getLogger("b10.transfer");
        ours.setUseParentHandlers(false);
        ours.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                System.out.println("CAPTURED " + r.getLevel() + " " + r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
        System.out.println("STATUS " + B10Transfer.loadCompileCache());
        System.getProperties().stringPropertyNames().stream().filter(n -> n.contains("simpleLogger"))
                .forEach(n -> System.out.println("PROPERTY " + n));
    }
}
