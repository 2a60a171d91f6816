import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const MONGO_JAVA_SERVER_VERSION = '1.47.0';
const LAUNCHER_SOURCE = fileURLToPath(new URL('./java/FlattrLocalMongo.java', import.meta.url));
export const LAUNCHER_CLASS = 'FlattrLocalMongo';

/** The jars (from Maven Central) and the launcher compiled against them. */
export interface MongoJavaServer {
  /** A `java -cp` value: the compiled launcher and every jar. */
  classpath: string;
}

/** Per-user cache shared by every checkout and CI clone: `~/.cache/flattr` (or `FLATTR_CACHE_DIR`). */
export function flattrCacheRoot(): string {
  return process.env.FLATTR_CACHE_DIR
    ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'flattr');
}

/** `~/.cache/flattr/mongo-java-server-<version>/`. */
export function mongoJavaServerCachePath(): string {
  return path.join(flattrCacheRoot(), `mongo-java-server-${MONGO_JAVA_SERVER_VERSION}`);
}

/**
 * Makes sure the stand-in can start: fetches mongo-java-server's jars with
 * Maven the first time (~6 MB, a few seconds), and compiles the launcher with
 * `javac` whenever its source changed (the class folder is named by its hash).
 */
export async function ensureMongoJavaServer(log: (line: string) => void = () => {}): Promise<MongoJavaServer> {
  const root = mongoJavaServerCachePath();
  const lib = path.join(root, 'lib');
  const source = await readFile(LAUNCHER_SOURCE, 'utf8');
  const classes = path.join(root, `classes-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`);
  const classpath = `${classes}${path.delimiter}${path.join(lib, '*')}`;
  if (await exists(path.join(lib, '.complete')) && await exists(path.join(classes, `${LAUNCHER_CLASS}.class`))) {
    return { classpath };
  }
  await requireTool('java', ['-version']);
  await requireTool('javac', ['-version']);
  await mkdir(root, { recursive: true });

  if (!(await exists(path.join(lib, '.complete')))) {
    await requireTool('mvn', ['-v']);
    log(`Fetching mongo-java-server ${MONGO_JAVA_SERVER_VERSION} with Maven into ${lib} (once)…`);
    const pom = path.join(root, 'pom.xml');
    await writeFile(pom, pomXml());
    // Into a folder of our own, then renamed: a concurrent fetcher never sees half the jars.
    const partial = `${lib}.${process.pid}.partial`;
    await rm(partial, { recursive: true, force: true });
    await run('mvn', ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${partial}`], { maxBuffer: 16 * 1024 * 1024 });
    await writeFile(path.join(partial, '.complete'), `${MONGO_JAVA_SERVER_VERSION}\n`);
    await rm(lib, { recursive: true, force: true });
    await rename(partial, lib).catch(async (error) => {
      if (!(await exists(path.join(lib, '.complete')))) throw error;
      await rm(partial, { recursive: true, force: true }); // another fetcher won
    });
  }

  const partialClasses = `${classes}.${process.pid}.partial`;
  await run('javac', ['-cp', path.join(lib, '*'), '-d', partialClasses, LAUNCHER_SOURCE]);
  await rename(partialClasses, classes).catch(async (error) => {
    if (!(await exists(path.join(classes, `${LAUNCHER_CLASS}.class`)))) throw error;
    await rm(partialClasses, { recursive: true, force: true });
  });
  log(`mongo-java-server ${MONGO_JAVA_SERVER_VERSION} ready in ${root}`);
  return { classpath };
}

function pomXml(): string {
  const dependency = (groupId: string, artifactId: string, version: string) =>
    `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>`;
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <!-- Written by packages/server/src/localdb/mongo-java-server.ts: the jars of the local MongoDB stand-in. -->
  <modelVersion>4.0.0</modelVersion>
  <groupId>flattr.localdb</groupId>
  <artifactId>mongo-java-server-jars</artifactId>
  <version>1</version>
  <dependencies>
${[
    dependency('de.bwaldvogel', 'mongo-java-server', MONGO_JAVA_SERVER_VERSION),
    dependency('de.bwaldvogel', 'mongo-java-server-memory-backend', MONGO_JAVA_SERVER_VERSION),
    dependency('de.bwaldvogel', 'mongo-java-server-h2-backend', MONGO_JAVA_SERVER_VERSION),
    // The server logs through SLF4J; without a provider it warns on every start.
    dependency('org.slf4j', 'slf4j-nop', '2.0.17'),
  ].join('\n')}
  </dependencies>
</project>
`;
}

async function requireTool(command: string, args: string[]): Promise<void> {
  try {
    await run(command, args);
  } catch {
    throw new Error(
      `No database available: MONGODB_URI is not set, there is no \`mongod\` on PATH, and \`${command}\` is missing ` +
      'to run the local stand-in (mongo-java-server). Install a JDK and Maven (`apt-get install default-jdk-headless maven`), ' +
      'install MongoDB, or set MONGODB_URI to a running MongoDB.',
    );
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
