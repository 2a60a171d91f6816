import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.DatabaseResolver;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Supplier;

/**
 * The project's local MongoDB stand-in: mongo-java-server on a loopback port.
 *
 * Usage: FlattrLocalMongo [--port N] [--file PATH] [--live-reads]
 *   --port N       port to bind on 127.0.0.1 (0, the default: a free one, printed)
 *   --file PATH    keep data in an H2 MVStore file (default: memory only)
 *   --live-reads   mongo-java-server's own reads, which can answer half an update
 *                  (only to measure that: src/dev/measure-torn-reads.ts)
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
    boolean liveReads = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--file" -> file = args[++i];
        case "--live-reads" -> liveReads = true;
        default -> {
          System.err.println("unknown argument: " + args[i]);
          System.exit(2);
        }
      }
    }
    MongoBackend backend;
    try {
      backend = (liveReads
          ? (file == null ? new MemoryBackend() : new H2Backend(file))
          : (file == null ? new WholeReadsMemoryBackend() : new WholeReadsH2Backend(file))).version(MONGO_4_4);
    } catch (RuntimeException e) {
      // One line, not a stack trace: typically "The file is locked" (another process has it open).
      System.err.println("FlattrLocalMongo: cannot open " + file + ": " + e.getMessage());
      System.exit(1);
      return;
    }
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

  /*
   * Whole documents in answers. mongo-java-server applies an update in place,
   * under the collection's lock, to the very Document object it stores, and a
   * query answers with references to those objects, written to the socket
   * after the lock is released. A read racing with an update of the same
   * document could therefore send half of it (measured: about 1 in 90,000
   * reads of a document under constant update, both backends), and
   * findAndModify with `new: true` answered with the live object (another
   * call's result). Here `find` runs under the collection's lock and, when its
   * answer holds at most WHOLE_ANSWER_LIMIT documents, answers with deep copies
   * made under it, as MongoDB answers with documents as of the moment they
   * matched; `findAndModify` always does, and a cursor's later batches
   * (`getMore`) of at most that many are copied one document at a time.
   * Larger answers are scans (a distribution streaming clicks): copying them
   * doubled the stand-in's CPU for a scan and held the lock meanwhile, for
   * documents that are rarely being updated; they stay as they were.
   * Aggregation output is not copied: a pipeline may read other collections
   * ($lookup), and taking a second lock while holding one could deadlock.
   */
  static final int WHOLE_ANSWER_LIMIT = 1000;

  static Document answerWhole(MongoDatabase database, String command, Document query, Supplier<Document> run) {
    boolean find = command.equalsIgnoreCase("find");
    if (!find && !command.equalsIgnoreCase("findAndModify")) return run.get();
    Object name = query.get(command);
    MongoCollection<?> collection = name instanceof String ? database.resolveCollection((String) name, false) : null;
    if (collection == null) {
      // A find on a missing collection answers nothing; a findAndModify creates it: run, then copy under its lock.
      if (find) return run.get();
      Document answer = run.get();
      collection = database.resolveCollection((String) name, false);
      if (collection == null) return answer;
      synchronized (collection) {
        return answer.cloneDeeply();
      }
    }
    synchronized (collection) {
      Document answer = run.get();
      if (find && batchSize(answer, "firstBatch") > WHOLE_ANSWER_LIMIT) return answer;
      return answer.cloneDeeply();
    }
  }

  /**
   * The next batch's documents were matched when the cursor was opened; each
   * is copied under its collection's lock so that it is whole, one document at
   * a time so that writers never wait for a whole batch. (Taking the batch runs
   * outside the lock: it only hands out references.)
   */
  @SuppressWarnings("unchecked")
  static Document nextBatchWhole(MongoDatabase database, Document query, Supplier<Document> run) {
    Document answer = run.get();
    Object name = query.get("collection");
    MongoCollection<?> collection = name instanceof String ? database.resolveCollection((String) name, false) : null;
    int size = batchSize(answer, "nextBatch");
    if (collection == null || size < 0 || size > WHOLE_ANSWER_LIMIT) return answer;
    Document cursor = (Document) answer.get("cursor");
    List<Object> copies = new java.util.ArrayList<>(size);
    for (Object document : (List<Object>) cursor.get("nextBatch")) {
      synchronized (collection) {
        copies.add(document instanceof Document ? ((Document) document).cloneDeeply() : document);
      }
    }
    cursor.put("nextBatch", copies);
    return answer;
  }

  /** The number of documents in `cursor.<field>` of an answer, or -1 when it has none. */
  static int batchSize(Document answer, String field) {
    Object cursor = answer.get("cursor");
    Object batch = cursor instanceof Document ? ((Document) cursor).get(field) : null;
    return batch instanceof List ? ((List<?>) batch).size() : -1;
  }

  static final class WholeReadsMemoryBackend extends MemoryBackend {
    @Override
    protected Document handleGetMore(String databaseName, String command, Document query) {
      return nextBatchWhole(resolveDatabase(databaseName), query, () -> super.handleGetMore(databaseName, command, query));
    }

    @Override
    public MemoryDatabase openOrCreateDatabase(String databaseName) {
      de.bwaldvogel.mongo.backend.CursorRegistry cursors = getCursorRegistry();
      return new MemoryDatabase(databaseName, cursors) {
        @Override
        public Document handleCommand(Channel channel, String command, Document query, DatabaseResolver resolver, Oplog oplog) {
          return answerWhole(this, command, query, () -> super.handleCommand(channel, command, query, resolver, oplog));
        }

        @Override
        protected de.bwaldvogel.mongo.backend.memory.MemoryCollection openOrCreateCollection(String name, de.bwaldvogel.mongo.backend.CollectionOptions options) {
          return new UniqueKeyFirstCollection(this, name, options, cursors);
        }
      };
    }
  }

  /*
   * mongo-java-server uses an index only when a query names exactly the
   * index's keys, so {_id: x, amount: {$gte: 5}} (a guarded update) scans the
   * whole collection; MongoDB uses the _id index and tests the rest on the one
   * document. Here: a unique index whose keys the query names with plain
   * values (or $in) narrows the candidates; the whole query is then matched.
   */
  static final class UniqueKeyFirstCollection extends de.bwaldvogel.mongo.backend.memory.MemoryCollection {
    UniqueKeyFirstCollection(MongoDatabase database, String name, de.bwaldvogel.mongo.backend.CollectionOptions options, de.bwaldvogel.mongo.backend.CursorRegistry cursors) {
      super(database, name, options, cursors);
    }

    @Override
    protected de.bwaldvogel.mongo.backend.QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize, Document fieldSelector) {
      for (de.bwaldvogel.mongo.backend.Index<Integer> index : getIndexes()) {
        if (!index.isUnique()) continue;
        Document narrowed = new Document();
        for (de.bwaldvogel.mongo.backend.IndexKey key : index.getKeys()) {
          if (!query.containsKey(key.getKey())) { narrowed = null; break; }
          narrowed.put(key.getKey(), query.get(key.getKey()));
        }
        if (narrowed == null || narrowed.size() == query.size() || !index.canHandle(narrowed)) continue;
        return matchDocuments(query, index.getPositions(narrowed), orderBy, skip, limit, batchSize, fieldSelector);
      }
      return super.queryDocuments(query, orderBy, skip, limit, batchSize, fieldSelector);
    }
  }

  static final class WholeReadsH2Backend extends H2Backend {
    WholeReadsH2Backend(String file) {
      super(file);
    }

    @Override
    protected Document handleGetMore(String databaseName, String command, Document query) {
      return nextBatchWhole(resolveDatabase(databaseName), query, () -> super.handleGetMore(databaseName, command, query));
    }

    @Override
    protected MongoDatabase openOrCreateDatabase(String databaseName) {
      return new H2Database(databaseName, getMvStore(), getCursorRegistry()) {
        @Override
        public Document handleCommand(Channel channel, String command, Document query, DatabaseResolver resolver, Oplog oplog) {
          return answerWhole(this, command, query, () -> super.handleCommand(channel, command, query, resolver, oplog));
        }
      };
    }
  }
}
