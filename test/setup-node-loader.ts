// Tests import model classes from their modules, not from the package entry that registers the
// Node model loader (src/index.ts); register it as the entry does.
import '../src/loading/node-loader';
