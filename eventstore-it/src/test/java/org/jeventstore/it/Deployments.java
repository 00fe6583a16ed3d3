package org.jeventstore.it;

import java.io.File;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The real EAR as the build made it, with test classes added to its web module. */
final class Deployments {

    static final String WEB_MODULE = "eventstore-web.war";

    private Deployments() {
    }

    /** The jar a test-classpath class comes from, to ship it inside the deployment. */
    static File jarOf(Class<?> type) {
        try {
            return new File(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot locate the jar of " + type.getName(), e);
        }
    }

    /**
     * The web module denies every path no role allows; Arquillian's servlet protocol calls its runner servlet
     * without credentials, so the test deployment (only) leaves that one path open.
     */
    private static JavaArchive testRunnerAccess() {
        return ShrinkWrap.create(JavaArchive.class, "arquillian-runner-access.jar").addAsManifestResource(
                new StringAsset("""
                        <web-fragment xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                          <name>arquillian_runner_access</name>
                          <security-constraint>
                            <web-resource-collection>
                              <web-resource-name>arquillian runner</web-resource-name>
                              <url-pattern>/ArquillianServletRunnerEE9</url-pattern>
                            </web-resource-collection>
                          </security-constraint>
                        </web-fragment>
                        """), "web-fragment.xml");
    }

    static EnterpriseArchive earWith(Class<?>... testClasses) {
        return earWith(null, testClasses);
    }

    /** As {@link #earWith(Class[])}, with a {@code META-INF/microprofile-config.properties} for the web module. */
    static EnterpriseArchive earWith(org.jboss.shrinkwrap.api.asset.Asset config, Class<?>... testClasses) {
        return earWith(config, new JavaArchive[0], testClasses);
    }

    /** A jar for the web module's {@code WEB-INF/lib} whose {@code beans.xml} discovers all its classes. */
    static JavaArchive beanArchiveOfAll(String name, Class<?>... classes) {
        return ShrinkWrap.create(JavaArchive.class, name).addClasses(classes).addAsManifestResource(new StringAsset("""
                <beans xmlns="https://jakarta.ee/xml/ns/jakartaee" version="4.0" bean-discovery-mode="all"/>
                """), "beans.xml");
    }

    /** As {@link #earWith(org.jboss.shrinkwrap.api.asset.Asset, Class[])}, with jars added to the web module. */
    static EnterpriseArchive earWith(org.jboss.shrinkwrap.api.asset.Asset config, JavaArchive[] libraries,
                                     Class<?>... testClasses) {
        File file = new File(System.getProperty("eventstore.ear", "../eventstore-ear/target/eventstore.ear"));
        if (!file.isFile()) {
            throw new IllegalStateException("no EAR at " + file.getAbsolutePath() + ": build eventstore-ear first");
        }
        EnterpriseArchive ear = ShrinkWrap.create(ZipImporter.class, "eventstore.ear").importFrom(file)
                .as(EnterpriseArchive.class);
        WebArchive original = ear.getAsType(WebArchive.class, WEB_MODULE);
        // Rebuilt under the module's own name, so application.xml's context root still applies.
        WebArchive war = ShrinkWrap.create(WebArchive.class, WEB_MODULE).merge(original).addClasses(testClasses)
                .addAsLibraries(jarOf(org.awaitility.Awaitility.class), jarOf(org.hamcrest.Matcher.class))
                .addAsLibrary(testRunnerAccess()).addAsLibraries(libraries);
        if (config != null) {
            war.addAsResource(config, "META-INF/microprofile-config.properties");
        }
        ear.delete(WEB_MODULE);
        ear.addAsModule(war);
        return ear;
    }
}
