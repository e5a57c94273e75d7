package fix

import (
	"strings"
	"testing"
)

// Maven's dependency step: `dependency:go-offline` on the pom (and the
// wrapper) before the sources, with the compile's own flags that change
// what is resolved; the compile stays online for what the step leaves.
func TestMavenDependencyStep(t *testing.T) {
	files := map[string]string{
		"Dockerfile":                            "FROM maven:3-eclipse-temurin-21 AS build\nWORKDIR /app\n# the sources\nCOPY . .\nRUN ./mvnw -B -ntp package -DskipTests -Pprod\n",
		"pom.xml":                               "<project><parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId><version>3.3.0</version><relativePath/></parent></project>",
		"mvnw":                                  "#!/bin/sh\n",
		".mvn/wrapper/maven-wrapper.properties": "distributionUrl=https://repo.example.com/maven.zip\n",
		"src/main/java/App.java":                "class App {}\n",
	}
	got, _, notes := fixRepo(t, files, "LW101")
	want := "FROM maven:3-eclipse-temurin-21 AS build\nWORKDIR /app\nCOPY mvnw pom.xml ./\nCOPY .mvn .mvn/\nRUN ./mvnw -B -ntp -DskipTests -Pprod dependency:go-offline\n" +
		"# the sources\nCOPY . .\nRUN ./mvnw -B -ntp package -DskipTests -Pprod\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s\nnotes: %+v", got, want, notes)
	}
}

func TestMavenRefusals(t *testing.T) {
	df := "FROM maven:3-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nRUN mvn -B package\n"
	with := func(over map[string]string) map[string]string {
		files := map[string]string{"Dockerfile": df, "pom.xml": "<project><artifactId>app</artifactId></project>", "src/main/java/App.java": ""}
		for k, v := range over {
			files[k] = v
		}
		return files
	}
	runRefusalCases(t, []refusalCase{
		{"offline", with(map[string]string{"Dockerfile": "FROM maven:3-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nRUN mvn -o -B package\n"}), "runs offline", ""},
		{"other-pom", with(map[string]string{"Dockerfile": "FROM maven:3-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nRUN mvn -f app/pom.xml package\n"}), "reads its manifests from elsewhere (-f)", ""},
		{"settings-of-the-sources", with(map[string]string{"Dockerfile": "FROM maven:3-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nRUN mvn -s settings.xml package\n", "settings.xml": "<settings/>"}), "settings file of the sources", ""},
		{"modules", with(map[string]string{"pom.xml": "<project><modules><module>a</module></modules></project>", "a/pom.xml": "<project/>"}), "multi-module", ""},
		{"local-parent", with(map[string]string{"Dockerfile": "FROM maven:3-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nRUN cd svc && mvn package\n",
			"pom.xml": "<project><packaging>pom</packaging></project>", "svc/pom.xml": "<project><parent><artifactId>root</artifactId></parent></project>"}), "parent is pom.xml of the context", ""},
		{"system-path", with(map[string]string{"pom.xml": "<project><dependencies><dependency><scope>system</scope><systemPath>${project.basedir}/lib/x.jar</systemPath></dependency></dependencies></project>", "lib/x.jar": ""}), "system-scoped", ""},
		{"file-repository", with(map[string]string{"pom.xml": "<project><repositories><repository><url>file://${project.basedir}/repo</url></repository></repositories></project>"}), "file: URL", ""},
		{"file-activated-profile", with(map[string]string{"pom.xml": "<project><profiles><profile><activation><file><exists>src/main/webapp</exists></file></activation></profile></profiles></project>"}), "profile on by a file", ""},
		{"expanded-property", with(map[string]string{"Dockerfile": "FROM maven:3-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nRUN mvn -Drevision=$VERSION package\n"}), "not written plainly", ""},
		{"environment", with(map[string]string{"Dockerfile": "FROM maven:3-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nRUN MAVEN_OPTS=-Xmx1g mvn -B package\n"}), "", "RUN MAVEN_OPTS=-Xmx1g mvn -B dependency:go-offline"},
		// a parent from a repository (relativePath empty) is resolved like any dependency
		{"remote-parent", with(map[string]string{"pom.xml": "<project><parent><artifactId>p</artifactId><relativePath/></parent></project>"}), "", "RUN mvn -B dependency:go-offline"},
	})
}

// pom.xml already in place before the sources' COPY: only the dependency
// step goes in; .mvn coming with the sources refuses.
func TestMavenManifestsInPlace(t *testing.T) {
	df := "FROM maven:3.9-eclipse-temurin-21 AS builder\nWORKDIR /app\nCOPY pom.xml ./\n# the sources\nCOPY src ./src/\nRUN mvn package -DskipTests\nFROM eclipse-temurin:21-jre\nCOPY --from=builder /app/target/app.jar /app.jar\n"
	files := map[string]string{"Dockerfile": df, "pom.xml": "<project/>", "src/main/java/App.java": ""}
	got, _, notes := fixRepo(t, files, "LW101")
	want := "FROM maven:3.9-eclipse-temurin-21 AS builder\nWORKDIR /app\nCOPY pom.xml ./\nRUN mvn -DskipTests dependency:go-offline\n# the sources\nCOPY src ./src/\nRUN mvn package -DskipTests\nFROM eclipse-temurin:21-jre\nCOPY --from=builder /app/target/app.jar /app.jar\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s\nnotes: %+v", got, want, notes)
	}
	// .mvn that no COPY brings is read by neither build
	files[".mvn/extensions.xml"] = "<extensions/>"
	if got, _, notes := fixRepo(t, files, "LW101"); got != want {
		t.Errorf(".mvn left out by both: got:\n%s\nnotes: %+v", got, notes)
	}
	delete(files, ".mvn/extensions.xml")
	// a Maven variable set between the sources and the compile would not
	// reach the dependency step; another one does not matter
	files["Dockerfile"] = strings.Replace(df, "COPY src ./src/\n", "COPY src ./src/\nENV MAVEN_OPTS=-Xmx1g\n", 1)
	runRefusalCases(t, []refusalCase{{"maven-variable-between", files, "sets MAVEN_OPTS for the compile", ""}})
	files["Dockerfile"] = strings.Replace(df, "COPY src ./src/\n", "COPY src ./src/\nENV APP_MODE=prod\n", 1)
	if got, _, notes := fixRepo(t, files, "LW101"); !strings.Contains(got, "RUN mvn -DskipTests dependency:go-offline\n# the sources") {
		t.Errorf("another variable between: got:\n%s\nnotes: %+v", got, notes)
	}
	files[".mvn/extensions.xml"] = "<extensions/>"
	files["Dockerfile"] = strings.Replace(df, "COPY src ./src/", "COPY . .", 1)
	runRefusalCases(t, []refusalCase{{"dot-mvn-with-the-sources", files, ".mvn (Maven's extensions", ""}})
}
