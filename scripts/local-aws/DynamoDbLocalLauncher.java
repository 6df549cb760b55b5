import java.io.IOException;
import java.lang.reflect.Field;
import java.util.Arrays;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local (scripts/local-aws/dynamodb-local.ts) bound to one address on a port chosen by
 * the OS. DynamoDB Local has no option for the address: it always listens on every interface, on
 * the port it is given. This sets the host and port of its HTTP connector before the server starts.
 *
 * <p>Arguments: {@code <host> [DynamoDB Local options, e.g. -inMemory -sharedDb]}. Prints
 * {@code DynamoDB Local listening on <host>:<port>} once it accepts requests. Exits when its
 * standard input closes, so it never outlives the process that started it.
 */
final class DynamoDbLocalLauncher {
  private DynamoDbLocalLauncher() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: DynamoDbLocalLauncher <host> [DynamoDB Local options]");
      System.exit(2);
    }
    String host = args[0];
    String[] options = Arrays.copyOfRange(args, 1, args.length);

    Thread watchdog =
        new Thread(
            () -> {
              try {
                while (System.in.read() != -1) {
                  // Nothing is sent on standard input; it only tells that the parent is alive.
                }
              } catch (IOException ignored) {
                // A broken pipe means the parent is gone, as end of input does.
              }
              Runtime.getRuntime().halt(0);
            },
            "parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();

    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(options);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length != 1 || !(connectors[0] instanceof ServerConnector)) {
      throw new IllegalStateException(
          "Unexpected DynamoDB Local server: " + connectors.length + " connector(s)");
    }
    ServerConnector connector = (ServerConnector) connectors[0];
    connector.setHost(host);
    connector.setPort(0);
    proxy.start();
    System.out.println("DynamoDB Local listening on " + host + ":" + connector.getLocalPort());
    System.out.flush();
  }
}
