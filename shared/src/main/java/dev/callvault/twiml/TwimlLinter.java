package dev.callvault.twiml;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the mistakes that lose recordings in call-start TwiML: the seed's blocking {@code <Record>}, a missing or
 * insecure status callback, insecure stream URLs, attributes Twilio does not know, events it never sends, and
 * streams that cannot all run. A pure function of the document.
 */
public final class TwimlLinter {
    /** One problem, on the line where its element starts. */
    public record Finding(int line, String element, String message) {
        @Override
        public String toString() {
            return "line " + line + ": <" + element + "> " + message;
        }
    }

    /** The document is not XML at all: nothing can be said of its verbs. */
    public static final class InvalidTwimlException extends Exception {
        public InvalidTwimlException(String message) {
            super(message);
        }
    }

    private static final Map<String, Set<String>> ATTRIBUTES = Map.of(
            "Response", Set.of(),
            "Record", Set.of("action", "method", "timeout", "finishOnKey", "maxLength", "playBeep", "trim", "recordingStatusCallback",
                    "recordingStatusCallbackMethod", "recordingStatusCallbackEvent", "transcribe", "transcribeCallback",
                    "recordingConfigurationId"),
            "Recording", Set.of("recordingStatusCallback", "recordingStatusCallbackMethod", "recordingStatusCallbackEvent", "trim",
                    "track", "channels", "recordingConfigurationId"),
            "Start", Set.of("action", "method"),
            "Connect", Set.of("action", "method"),
            "Stream", Set.of("name", "url", "track", "statusCallback", "statusCallbackMethod", "connectorName"),
            "Parameter", Set.of("name", "value"));
    private static final Set<String> EVENTS = Set.of("in-progress", "completed", "absent");
    private static final int MAX_STREAMED_TRACKS = 4;

    private TwimlLinter() {
    }

    public static List<Finding> lint(String twiml) throws InvalidTwimlException {
        List<Finding> findings = new ArrayList<>();
        XMLInputFactory factory = XMLInputFactory.newFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        List<String> path = new ArrayList<>();
        int recordLine = -1;
        boolean recordingCallback = false;
        boolean connected = false;
        int connectLine = -1;
        int tracks = 0;
        boolean anyRecording = false;
        try {
            XMLStreamReader xml = factory.createXMLStreamReader(new StringReader(twiml));
            while (xml.hasNext()) {
                int event = xml.next();
                if (event == XMLStreamConstants.END_ELEMENT) {
                    path.remove(path.size() - 1);
                    continue;
                }
                if (event != XMLStreamConstants.START_ELEMENT) {
                    continue;
                }
                String name = xml.getLocalName();
                int line = xml.getLocation().getLineNumber();
                String parent = path.isEmpty() ? null : path.get(path.size() - 1);
                path.add(name);
                if (parent == null && !name.equals("Response")) {
                    findings.add(new Finding(line, name, "is not <Response>: Twilio rejects the document"));
                }
                Set<String> known = ATTRIBUTES.get(name);
                for (int i = 0; i < xml.getAttributeCount(); i++) {
                    String attr = xml.getAttributeLocalName(i);
                    String value = xml.getAttributeValue(i);
                    if (known != null && !known.contains(attr)) {
                        findings.add(new Finding(line, name, "has unknown attribute '" + attr + "'" + hint(name, attr)));
                    }
                    if (attr.equals("recordingStatusCallback")) {
                        recordingCallback = true;
                        if (!value.startsWith("https://")) {
                            findings.add(new Finding(line, name, "status callback '" + value + "' is not https: Twilio's signed callbacks travel in clear"));
                        }
                    }
                    if (attr.equals("recordingStatusCallbackEvent")) {
                        for (String e : value.split("[ ,]+")) {
                            if (!EVENTS.contains(e)) {
                                findings.add(new Finding(line, name, "recordingStatusCallbackEvent '" + e + "' is not an event Twilio sends "
                                        + "(in-progress, completed, absent)"));
                            }
                        }
                        if (value.contains(",")) {
                            findings.add(new Finding(line, name, "recordingStatusCallbackEvent is comma-separated; Twilio expects spaces"));
                        }
                    }
                }
                switch (name) {
                    case "Record" -> {
                        anyRecording = true;
                        recordLine = line;
                    }
                    case "Recording" -> anyRecording = true;
                    case "Connect" -> {
                        connected = true;
                        connectLine = line;
                        if (recordLine > 0) {
                            findings.add(new Finding(recordLine, "Record", "comes before <Connect>: it blocks the call and records only the caller "
                                    + "until silence, so the conversation is never recorded; use <Start><Recording channels=\"dual\"/>"));
                        }
                    }
                    case "Start" -> {
                        if (connected) {
                            findings.add(new Finding(line, name, "comes after <Connect> (line " + connectLine + "): it only runs once the connected "
                                    + "stream ends, so nothing of the conversation is recorded"));
                        }
                    }
                    case "Stream" -> {
                        String url = xml.getAttributeValue(null, "url");
                        if (url == null || !url.startsWith("wss://")) {
                            findings.add(new Finding(line, name, "url '" + url + "' is not wss://: Twilio streams only to secure WebSockets"));
                        }
                        String track = xml.getAttributeValue(null, "track");
                        tracks += "Connect".equals(parent) ? 1 : "both_tracks".equals(track) ? 2 : 1;
                        if (tracks > MAX_STREAMED_TRACKS) {
                            findings.add(new Finding(line, name, "streams more than " + MAX_STREAMED_TRACKS + " tracks in all: Twilio refuses the call's streams"));
                        }
                    }
                    default -> {
                    }
                }
            }
        } catch (XMLStreamException e) {
            throw new InvalidTwimlException("not well-formed XML at line " + (e.getLocation() == null ? "?" : e.getLocation().getLineNumber())
                    + ": " + e.getMessage().lines().filter(l -> !l.isBlank() && !l.startsWith(" at ")).findFirst().orElse("")
                    .replaceAll("^ParseError at \\[row,col\\]:\\[\\d+,\\d+\\]", "").replaceAll("^\\s*Message: ", ""));
        }
        if (anyRecording && !recordingCallback) {
            findings.add(new Finding(1, "Response", "no recordingStatusCallback: Twilio will never tell us the recording is ready"));
        }
        if (!anyRecording) {
            findings.add(new Finding(1, "Response", "starts no recording: add <Start><Recording channels=\"dual\" .../></Start>"));
        }
        findings.sort(java.util.Comparator.comparingInt(Finding::line));
        return findings;
    }

    private static String hint(String element, String attr) {
        if (element.equals("Record") && attr.equals("recordingChannels")) {
            return " (<Record> records one mono channel; dual-channel recording is <Start><Recording channels=\"dual\"/>)";
        }
        return "";
    }
}
