import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The project's local MongoDB stand-in: mongo-java-server on a loopback port.
 *
 * Usage: FlattrLocalMongo [--port N] [--file PATH]
 *   --port N     port to bind on 127.0.0.1 (0, the default: a free one, printed)
 *   --file PATH  keep data in an H2 MVStore file (default: memory only)
 *
 * Prints one line "listening 127.0.0.1:PORT" once it accepts connections.
 * Stops when its standard input closes, so it never outlives the Node process
 * that started it, even when that one is killed with SIGKILL.
 */
public final class FlattrLocalMongo {
  /** The Node driver 7 needs wire version 9 or more; the built-in MONGO_5_0 reports 8. */
  private static final MongoVersion MONGO_4_4 = new MongoVersion() {
    @Override public List<Integer> getVersionArray() { return List.of(4, 4, 0); }
    @Override public int getWireVersion() { return 9; }
  };

  public static void main(String[] args) throws Exception {
    int port = 0;
    String file = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--file" -> file = args[++i];
        default -> {
          System.err.println("unknown argument: " + args[i]);
          System.exit(2);
        }
      }
    }
    MongoBackend backend = (file == null ? new MemoryBackend() : new H2Backend(file)).version(MONGO_4_4);
    MongoServer server = new MongoServer(backend);
    server.bind("127.0.0.1", port);
    // On SIGTERM/SIGINT the JVM runs this hook: the H2 file is closed cleanly (its last changes written).
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown));
    InetSocketAddress address = server.getLocalAddress();
    System.out.println("listening 127.0.0.1:" + address.getPort());
    System.out.flush();
    while (System.in.read() != -1) {
      // Input is ignored; only its end matters.
    }
    System.exit(0);
  }
}
