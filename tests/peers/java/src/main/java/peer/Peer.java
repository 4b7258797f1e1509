// Test-only peer: the vendor's Java SDK (huaweicloud-sdk-kafka, KafkaClient) used as a user of it
// would, against the emulator. Reads a plan (JSON) on stdin, prints one JSON document of what the
// SDK returned; tests/e2e/test_sdk_peers.py asserts on it.
package peer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.huaweicloud.sdk.core.HttpListener;
import com.huaweicloud.sdk.core.auth.BasicCredentials;
import com.huaweicloud.sdk.core.exception.ServiceResponseException;
import com.huaweicloud.sdk.core.http.HttpConfig;
import com.huaweicloud.sdk.kafka.v2.KafkaClient;
import com.huaweicloud.sdk.kafka.v2.model.ListBackgroundTasksRequest;
import com.huaweicloud.sdk.kafka.v2.model.ListBackgroundTasksResponse;
import com.huaweicloud.sdk.kafka.v2.model.ListBackgroundTasksRespTasks;
import com.huaweicloud.sdk.kafka.v2.model.ShowBackgroundTaskRequest;
import com.huaweicloud.sdk.kafka.v2.model.ShowBackgroundTaskResponse;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class Peer {
    // Bounds the paging loop: a server that ignored the index would repeat page one forever.
    private static final int MAX_PAGES = 50;
    private static final Pattern SIGNED_HEADERS = Pattern.compile("SignedHeaders=([^,]*)");

    private Peer() {
    }

    private static KafkaClient client(Map<String, Object> plan, String sk, List<Map<String, String>> wire) {
        HttpConfig config = HttpConfig.getDefaultHttpConfig()
            .withIgnoreSSLVerification(true)
            .withConnectionTimeout(15)
            .withReadTimeout(15);
        config.addHttpListener(HttpListener.forRequestListener(request -> {
            Map<String, String> seen = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> header : request.headers().entrySet()) {
                if (header.getKey().equalsIgnoreCase("Authorization") && !header.getValue().isEmpty()) {
                    Matcher m = SIGNED_HEADERS.matcher(header.getValue().get(0));
                    if (m.find()) {
                        seen.put("signed_headers", m.group(1));
                    }
                }
            }
            String uri = request.uri();
            int q = uri.indexOf('?');
            seen.put("query", q < 0 ? "" : uri.substring(q + 1));
            synchronized (wire) {
                wire.add(seen);
            }
        }));
        BasicCredentials credentials = new BasicCredentials()
            .withAk((String) plan.get("ak"))
            .withSk(sk)
            .withProjectId((String) plan.get("project_id"));
        return KafkaClient.newBuilder()
            .withHttpConfig(config)
            .withCredential(credentials)
            .withEndpoints(Collections.singletonList((String) plan.get("endpoint")))
            .build();
    }

    private static Map<String, Object> outcome(Supplier<Object> call) {
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            Object response = call.get();
            out.put("ok", true);
            out.put("response", response);
        } catch (ServiceResponseException e) {
            out.put("ok", false);
            out.put("error_type", e.getClass().getSimpleName());
            out.put("status_code", e.getHttpStatusCode());
            out.put("error_code", e.getErrorCode());
            out.put("error_message", e.getErrorMsg());
            out.put("request_id", e.getRequestId());
        } catch (RuntimeException e) {
            out.put("ok", false);
            out.put("error_type", e.getClass().getName());
            out.put("error", String.valueOf(e.getMessage()));
        }
        return out;
    }

    private static Map<String, Object> task(ShowBackgroundTaskResponse response) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("task_count", response.getTaskCount());
        List<Map<String, String>> tasks = new ArrayList<>();
        if (response.getTasks() != null) {
            for (ListBackgroundTasksRespTasks t : response.getTasks()) {
                tasks.add(wireTask(t));
            }
        }
        out.put("tasks", tasks);
        return out;
    }

    private static Map<String, String> wireTask(ListBackgroundTasksRespTasks t) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("id", t.getId());
        out.put("name", t.getName());
        out.put("user_name", t.getUserName());
        out.put("user_id", t.getUserId());
        out.put("params", t.getParams());
        out.put("status", t.getStatus());
        out.put("created_at", t.getCreatedAt());
        out.put("updated_at", t.getUpdatedAt());
        return out;
    }

    // Every task the way the SDK's model invites: start += tasks.size().
    private static Map<String, Object> pageByStart(KafkaClient client, Map<String, Object> plan) {
        String instance = (String) plan.get("instance_id");
        int limit = ((Number) plan.get("page_size")).intValue();
        List<String> ids = new ArrayList<>();
        List<Map<String, Object>> pages = new ArrayList<>();
        int start = 1;
        while (pages.size() < MAX_PAGES) {
            ListBackgroundTasksResponse response;
            try {
                response = client.listBackgroundTasks(
                    new ListBackgroundTasksRequest().withInstanceId(instance).withStart(start).withLimit(limit));
            } catch (RuntimeException e) {
                final RuntimeException error = e;
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("ok", false);
                out.put("failed_at", start);
                out.put("error", outcome(() -> {
                    throw error;
                }));
                return out;
            }
            List<String> pageIds = new ArrayList<>();
            if (response.getTasks() != null) {
                for (ListBackgroundTasksRespTasks t : response.getTasks()) {
                    pageIds.add(t.getId());
                }
            }
            Map<String, Object> page = new LinkedHashMap<>();
            page.put("start", start);
            page.put("task_count", response.getTaskCount());
            page.put("ids", pageIds);
            pages.add(page);
            ids.addAll(pageIds);
            start += pageIds.size();
            int total = response.getTaskCount() == null ? 0 : Integer.parseInt(response.getTaskCount());
            if (pageIds.isEmpty() || start - 1 >= total) {
                break;
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ok", true);
        out.put("param", "start");
        out.put("pages", pages);
        out.put("ids", ids);
        return out;
    }

    public static void main(String[] args) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        @SuppressWarnings("unchecked")
        Map<String, Object> plan = mapper.readValue(System.in, Map.class);
        String instance = (String) plan.get("instance_id");
        List<Map<String, String>> wire = new ArrayList<>();
        KafkaClient client = client(plan, (String) plan.get("sk"), wire);
        KafkaClient bad = client(plan, (String) plan.get("wrong_sk"), new ArrayList<>());

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sdk", "huaweicloud-sdk-kafka");
        out.put("show", outcome(() -> task(client.showBackgroundTask(
            new ShowBackgroundTaskRequest().withInstanceId(instance).withTaskId((String) plan.get("task_id"))))));
        out.put("list", pageByStart(client, plan));
        out.put("not_found", outcome(() -> task(client.showBackgroundTask(
            new ShowBackgroundTaskRequest().withInstanceId(instance).withTaskId((String) plan.get("missing_task_id"))))));
        out.put("unauthorized", outcome(() -> task(bad.showBackgroundTask(
            new ShowBackgroundTaskRequest().withInstanceId(instance).withTaskId((String) plan.get("task_id"))))));
        out.put("wire", wire);
        System.out.println(mapper.writeValueAsString(out));
        System.out.flush();
        // okhttp keeps non-daemon threads alive for pooled connections; leave at once.
        System.exit(0);
    }
}
