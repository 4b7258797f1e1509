// Test-only peer: the vendor's Go SDK (huaweicloud-sdk-go-v3, KafkaClient) used as a user of it
// would, against the emulator. Reads a plan (JSON) on stdin, prints one JSON document of what the
// SDK returned; tests/e2e/test_sdk_peers.py asserts on it.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"sync"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/httphandler"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	kafka "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/kafka/v2/model"
)

type plan struct {
	Endpoint      string `json:"endpoint"`
	AK            string `json:"ak"`
	SK            string `json:"sk"`
	WrongSK       string `json:"wrong_sk"`
	ProjectID     string `json:"project_id"`
	InstanceID    string `json:"instance_id"`
	TaskID        string `json:"task_id"`
	RunningTaskID string `json:"running_task_id"`
	WaitingTaskID string `json:"waiting_task_id"`
	MissingTaskID string `json:"missing_task_id"`
	PageSize      int32  `json:"page_size"`
}

// maxPages bounds the paging loop: a server that ignored the index would repeat page one forever.
const maxPages = 50

var signedHeadersRe = regexp.MustCompile(`SignedHeaders=([^,]*)`)

// wire records what the SDK put on the wire (signed header names, query strings).
type wire struct {
	mu            sync.Mutex
	SignedHeaders []string `json:"signed_headers"`
	Queries       []string `json:"queries"`
}

func (w *wire) record(req http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if m := signedHeadersRe.FindStringSubmatch(req.Header.Get("Authorization")); m != nil {
		w.SignedHeaders = append(w.SignedHeaders, m[1])
	}
	w.Queries = append(w.Queries, req.URL.RawQuery)
}

func newClient(p plan, sk string, w *wire) (*kafka.KafkaClient, error) {
	cred, err := basic.NewCredentialsBuilder().WithAk(p.AK).WithSk(sk).WithProjectId(p.ProjectID).SafeBuild()
	if err != nil {
		return nil, err
	}
	httpConfig := config.DefaultHttpConfig().
		WithTimeout(15 * time.Second).
		WithHttpHandler(httphandler.NewHttpHandler().AddRequestHandler(w.record))
	hc, err := kafka.KafkaClientBuilder().
		WithEndpoints([]string{p.Endpoint}).
		WithCredential(cred).
		WithHttpConfig(httpConfig).
		SafeBuild()
	if err != nil {
		return nil, err
	}
	return kafka.NewKafkaClient(hc), nil
}

// outcome is either the SDK's response or the error it raised, as the SDK exposes them.
func outcome(resp interface{}, err error) map[string]interface{} {
	if err == nil {
		return map[string]interface{}{"ok": true, "response": resp}
	}
	var service *sdkerr.ServiceResponseError
	if errors.As(err, &service) {
		return map[string]interface{}{
			"ok":            false,
			"error_type":    "ServiceResponseError",
			"status_code":   service.StatusCode,
			"error_code":    service.ErrorCode,
			"error_message": service.ErrorMessage,
			"request_id":    service.RequestId,
		}
	}
	return map[string]interface{}{"ok": false, "error_type": fmt.Sprintf("%T", err), "error": err.Error()}
}

// pageByOffset lists every task the way the SDK's model invites: offset += len(tasks).
func pageByOffset(client *kafka.KafkaClient, p plan) map[string]interface{} {
	var ids []string
	var pages []map[string]interface{}
	offset := int32(1)
	for len(pages) < maxPages {
		o, limit := offset, p.PageSize
		resp, err := client.ListBackgroundTasks(&model.ListBackgroundTasksRequest{InstanceId: p.InstanceID, Offset: &o, Limit: &limit})
		if err != nil {
			return map[string]interface{}{"ok": false, "failed_at": offset, "error": outcome(nil, err)}
		}
		var pageIDs []string
		if resp.Tasks != nil {
			for _, t := range *resp.Tasks {
				if t.Id != nil {
					pageIDs = append(pageIDs, *t.Id)
				}
			}
		}
		count := ""
		if resp.TaskCount != nil {
			count = *resp.TaskCount
		}
		pages = append(pages, map[string]interface{}{"offset": offset, "task_count": count, "ids": pageIDs})
		ids = append(ids, pageIDs...)
		offset += int32(len(pageIDs))
		var total int32
		fmt.Sscan(count, &total)
		if len(pageIDs) == 0 || offset-1 >= total {
			break
		}
	}
	return map[string]interface{}{"ok": true, "param": "offset", "pages": pages, "ids": ids}
}

func main() {
	var p plan
	if err := json.NewDecoder(os.Stdin).Decode(&p); err != nil {
		fmt.Fprintln(os.Stderr, "bad plan:", err)
		os.Exit(2)
	}
	w := &wire{}
	client, err := newClient(p, p.SK, w)
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(2)
	}
	bad, err := newClient(p, p.WrongSK, &wire{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(2)
	}
	out := map[string]interface{}{"sdk": "huaweicloud-sdk-go-v3"}
	out["show"] = outcome(client.ShowBackgroundTask(&model.ShowBackgroundTaskRequest{InstanceId: p.InstanceID, TaskId: p.TaskID}))
	out["list"] = pageByOffset(client, p)
	out["progress_waiting"] = outcome(client.ShowBackgroundTaskProgress(&model.ShowBackgroundTaskProgressRequest{InstanceId: p.InstanceID, TaskId: p.WaitingTaskID}))
	out["progress_running"] = outcome(client.ShowBackgroundTaskProgress(&model.ShowBackgroundTaskProgressRequest{InstanceId: p.InstanceID, TaskId: p.RunningTaskID}))
	out["not_found"] = outcome(client.ShowBackgroundTask(&model.ShowBackgroundTaskRequest{InstanceId: p.InstanceID, TaskId: p.MissingTaskID}))
	out["unauthorized"] = outcome(bad.ShowBackgroundTask(&model.ShowBackgroundTaskRequest{InstanceId: p.InstanceID, TaskId: p.TaskID}))
	out["wire"] = w
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "encode:", err)
		os.Exit(2)
	}
}
